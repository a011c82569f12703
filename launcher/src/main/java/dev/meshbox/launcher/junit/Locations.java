package dev.meshbox.launcher.junit;

import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.ScenarioLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where tests keep their YAML: {@code classpath:istio/reviews.yaml} (under {@code src/test/resources}) or a file path
 * relative to the working directory (the module's folder under Maven).
 */
final class Locations {

    static final String CLASSPATH = "classpath:";

    /** A file's text and the name problems should quote. */
    record Text(String name, String text) {}

    private Locations() {}

    static Text read(String location, ClassLoader loader) {
        if (location.startsWith(CLASSPATH)) {
            URL url = resource(location, loader);
            try (InputStream in = url.openStream()) {
                return new Text(location, new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(location + ": cannot be read: " + e.getMessage(), e);
            }
        }
        Path file = Path.of(location);
        try {
            return new Text(location, Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    location + ": no such file (looked at " + file.toAbsolutePath()
                            + "); for a test resource write classpath:" + location,
                    e);
        }
    }

    /**
     * Loads a scenario. Its {@code file:} entries are relative to the scenario, so a scenario packed in a jar is read
     * through a zip file system, closed again once the loader has read everything it names.
     */
    static Scenario scenario(String location, ClassLoader loader) {
        if (!location.startsWith(CLASSPATH)) {
            return new ScenarioLoader().load(Path.of(location));
        }
        URL url = resource(location, loader);
        try {
            if (url.getProtocol().equals("file")) {
                return new ScenarioLoader().load(Path.of(url.toURI()));
            }
            String s = url.toString();
            int bang = s.indexOf("!/");
            if (!url.getProtocol().equals("jar") || bang < 0) {
                throw new IllegalArgumentException(
                        location + ": found at " + url + ", which is neither a file nor in a jar");
            }
            java.net.URI jarUri = java.net.URI.create(s.substring(0, bang));
            FileSystem jar;
            try {
                jar = FileSystems.newFileSystem(jarUri, Map.of());
            } catch (java.nio.file.FileSystemAlreadyExistsException e) {
                // Someone else has the jar open: read through theirs and leave closing it to them.
                return new ScenarioLoader()
                        .load(FileSystems.getFileSystem(jarUri).getPath(s.substring(bang + 1)));
            }
            try (jar) {
                return new ScenarioLoader().load(jar.getPath(s.substring(bang + 1)));
            }
        } catch (URISyntaxException | IOException e) {
            throw new IllegalArgumentException(location + ": cannot be opened: " + e.getMessage(), e);
        }
    }

    private static URL resource(String location, ClassLoader loader) {
        String name = location.substring(CLASSPATH.length());
        while (name.startsWith("/")) {
            name = name.substring(1);
        }
        URL url = loader.getResource(name);
        if (url == null) {
            throw new IllegalArgumentException(location + ": no such resource on the test classpath "
                    + "(put it under src/test/resources/" + name + ")");
        }
        return url;
    }
}
