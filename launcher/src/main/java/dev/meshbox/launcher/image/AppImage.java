package dev.meshbox.launcher.image;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerException;
import dev.meshbox.launcher.engine.Labels;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The one image every MeshBox container runs: the base image plus meshbox.jar at {@value #JAR}. Tagged by the
 * jar's (and the base's) hash, so it is rebuilt exactly when the jar changes. The default command runs the CLI;
 * containers override the whole command (there is no entrypoint) to start a control plane, a sidecar or an app.
 */
public final class AppImage {

    public static final String JAR = "/opt/meshbox/meshbox.jar";
    public static final String JAR_PROPERTY = "meshbox.jar";
    static final String REPOSITORY = "meshbox/meshbox";
    private static final Path IN_REPO = Path.of("launcher", "target", "meshbox.jar");

    /** A built (or found) image: its tag for containers, its id to tell a rebuild from a reuse. */
    public record Image(String tag, String id) {}

    private AppImage() {}

    public static Image ensure(DockerClient docker, PrintStream progress) {
        return ensure(docker, locateJar(), progress);
    }

    public static Image ensure(DockerClient docker, Path jar, PrintStream progress) {
        String base = BaseImage.ensure(docker, progress);
        String tag = REPOSITORY + ":" + tagFor(jar, base);
        Optional<String> existing = ImageBuild.existing(docker, tag);
        if (existing.isPresent()) {
            return new Image(tag, existing.get());
        }
        progress.println("building " + tag + " from " + jar + " ...");
        long started = System.nanoTime();
        Path context = null;
        try {
            context = Files.createTempDirectory("meshbox-app-");
            // A hard link when the file system allows it: the jar is tens of MB and is copied into the tar anyway.
            try {
                Files.createLink(context.resolve("meshbox.jar"), jar);
            } catch (IOException | UnsupportedOperationException e) {
                Files.copy(jar, context.resolve("meshbox.jar"));
            }
            String id;
            try {
                id = ImageBuild.build(docker, dockerfile(base), context, tag, Labels.image("app"));
            } catch (IllegalStateException e) {
                throw new IllegalStateException(
                        e.getMessage()
                                + (BaseImage.configured().isPresent()
                                        ? " (the base image " + base + " comes from " + BaseImage.PROPERTY + " / "
                                                + BaseImage.ENV
                                                + ": it must be in the engine or pullable from a registry the engine reaches)"
                                        : ""),
                        e);
            }
            progress.printf("built %s in %.1f s%n", tag, (System.nanoTime() - started) / 1e9);
            removeOlder(docker, id);
            return new Image(tag, id);
        } catch (IOException e) {
            throw new UncheckedIOException("building " + tag + ": " + e.getMessage(), e);
        } finally {
            BaseImage.deleteTree(context);
        }
    }

    /**
     * Every code change gives a new jar and so a new image of some 160 MB; only the newest is ever used again, so
     * older ones go. An image a container still runs is refused by the engine and kept.
     */
    private static void removeOlder(DockerClient docker, String keepId) {
        List<com.github.dockerjava.api.model.Image> images =
                docker.listImagesCmd().withLabelFilter(Labels.image("app")).exec();
        for (com.github.dockerjava.api.model.Image old : images) {
            if (!old.getId().equals(keepId)) {
                try {
                    docker.removeImageCmd(old.getId()).exec();
                } catch (DockerException inUseOrGone) {
                    // in use by a running mesh, or removed meanwhile: either way nothing to do
                }
            }
        }
    }

    /** The class-data-sharing archive every container maps (see {@code meshbox warmup}). */
    public static final String CDS_ARCHIVE = "/opt/meshbox/meshbox.jsa";

    /**
     * The jar, then a class-data-sharing archive: the JDK's own base archive ({@code -Xshare:dump}, which jlink does
     * not make), and on top a dynamic archive of the classes a warm-up run of a local mesh loads. Fourteen JVMs start
     * at once in a Bookinfo mesh; mapping the archive spares each of them loading and verifying those classes.
     */
    static String dockerfile(String base) {
        return "FROM " + base + "\n"
                + "COPY meshbox.jar " + JAR + "\n"
                + "RUN [\"java\", \"-Xshare:dump\"]\n"
                + "RUN [\"java\", \"-XX:ArchiveClassesAtExit=" + CDS_ARCHIVE
                + "\", \"-XX:+UseSerialGC\", \"-XX:TieredStopAtLevel=1\", "
                + "\"-cp\", \"" + JAR + "\", \"dev.meshbox.launcher.Main\", \"warmup\"]\n"
                + "CMD [\"java\", \"-jar\", \"" + JAR + "\"]\n";
    }

    /**
     * The shaded jar: the {@value #JAR_PROPERTY} system property, else launcher/target/meshbox.jar in this
     * directory or the nearest parent (so both the repo root and the launcher module find it).
     */
    public static Path locateJar() {
        String configured = System.getProperty(JAR_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            Path jar = Path.of(configured);
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException("-D" + JAR_PROPERTY + "=" + configured + ": no such file");
            }
            return jar;
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path jar = dir.resolve(IN_REPO);
            if (Files.isRegularFile(jar)) {
                return jar;
            }
        }
        throw new IllegalStateException(
                "meshbox.jar not found: build it with `mvn -B -DskipTests install -pl launcher -am`" + " or pass -D"
                        + JAR_PROPERTY + "=PATH");
    }

    static String tagFor(Path jar, String base) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (InputStream in = new DigestInputStream(Files.newInputStream(jar), digest)) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            digest.update(dockerfile(base).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest.digest()).substring(0, 12);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + jar + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
