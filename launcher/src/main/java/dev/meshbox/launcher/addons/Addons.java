package dev.meshbox.launcher.addons;

import dev.meshbox.controlplane.security.MeshConfigFile;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** What {@code up --tracing}, a scenario's {@code tracing: true} and {@code @MeshTest(tracing = true)} share. */
public final class Addons {
    private Addons() {}

    /**
     * The mesh config of {@code file} (none: Istio's defaults) with the demo profile's 100 % sampling unless the file
     * sets a sampling; errors name the file and field.
     */
    public static MeshConfigFile.Settings tracingMeshConfig(Path file) {
        Optional<String> text = Optional.empty();
        String source = file == null ? "the mesh config" : file.toString();
        if (file != null) {
            try {
                text = Optional.of(Files.readString(file));
            } catch (IOException e) {
                throw new IllegalArgumentException(file + ": cannot read the mesh config: " + e.getMessage(), e);
            }
        }
        return tracingMeshConfig(source, text);
    }

    /** As {@link #tracingMeshConfig(Path)}, for a mesh config given as text (a scenario's {@code meshConfig:}). */
    public static MeshConfigFile.Settings tracingMeshConfig(String source, Optional<String> text) {
        return MeshConfigFile.read(source, ZipkinAddon.demoSampling(source, text));
    }

    /** Zipkin for {@code up}: also on 127.0.0.1:9411; its jar fetched by Maven when missing. */
    public static ZipkinAddon zipkin(PrintStream progress) {
        return new ZipkinAddon(ZipkinJar.resolve(progress), true);
    }
}
