package dev.meshbox.launcher.addons;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Where Zipkin's server jar ({@code io.zipkin:zipkin-server:3.5.1:jar:exec}, 131 MB, never committed) is: the path in
 * {@code -Dmeshbox.zipkin.jar} or {@code MESHBOX_ZIPKIN_JAR}, else the local Maven repository, where Maven fetches it
 * on first use ({@code mvn dependency:get}).
 */
public final class ZipkinJar {
    public static final String VERSION = "3.5.1";
    public static final String ARTIFACT = "io.zipkin:zipkin-server:" + VERSION + ":jar:exec";

    private ZipkinJar() {}

    /** The jar if it is already here; nothing is fetched. */
    public static Optional<Path> present() {
        String explicit = System.getProperty("meshbox.zipkin.jar", System.getenv("MESHBOX_ZIPKIN_JAR"));
        if (explicit != null && !explicit.isBlank()) {
            return Optional.of(Path.of(explicit)).filter(Files::isRegularFile);
        }
        Path inRepo = localRepository()
                .resolve("io/zipkin/zipkin-server/" + VERSION + "/zipkin-server-" + VERSION + "-exec.jar");
        return Files.isRegularFile(inRepo) ? Optional.of(inRepo) : Optional.empty();
    }

    /** The jar, fetched by Maven when missing; throws, saying how to fetch it by hand, when that fails. */
    public static Path resolve(PrintStream progress) {
        Optional<Path> here = present();
        if (here.isPresent()) {
            return here.get();
        }
        String explicit = System.getProperty("meshbox.zipkin.jar", System.getenv("MESHBOX_ZIPKIN_JAR"));
        if (explicit != null && !explicit.isBlank()) {
            throw new IllegalStateException("Zipkin: no file " + explicit + " (from meshbox.zipkin.jar or"
                    + " MESHBOX_ZIPKIN_JAR); unset it to use the local Maven repository");
        }
        progress.println("fetching Zipkin's server " + ARTIFACT + " (131 MB) with Maven, once ...");
        String fetch = "mvn -q dependency:get -Dartifact=" + ARTIFACT + " -Dtransitive=false";
        try {
            Process mvn = new ProcessBuilder(
                            List.of("mvn", "-q", "dependency:get", "-Dartifact=" + ARTIFACT, "-Dtransitive=false"))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!mvn.waitFor(15, TimeUnit.MINUTES)) {
                mvn.destroyForcibly();
            }
        } catch (IOException e) {
            throw new IllegalStateException("Zipkin: its server jar is not in " + localRepository()
                    + " and Maven could not be run to fetch it (" + e.getMessage() + "); run: " + fetch);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Zipkin: interrupted while fetching its server jar", e);
        }
        return present()
                .orElseThrow(() -> new IllegalStateException(
                        "Zipkin: Maven did not fetch " + ARTIFACT + " into " + localRepository() + "; run: " + fetch));
    }

    private static Path localRepository() {
        String configured = System.getProperty("maven.repo.local");
        return configured != null && !configured.isBlank()
                ? Path.of(configured)
                : Path.of(System.getProperty("user.home"), ".m2", "repository");
    }
}
