package dev.meshbox.launcher.image;

import com.github.dockerjava.api.DockerClient;
import dev.meshbox.launcher.engine.Labels;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The Java 17 image every MeshBox container starts from. With no registry it is built here, once, from this JDK
 * (see {@link RootFs}) and cached in the engine under a tag that hashes its inputs, so a new JDK or a new recipe
 * gives a new tag and an unchanged machine never rebuilds. A user who can pull sets {@code meshbox.docker.baseImage}
 * (or MESHBOX_DOCKER_BASE_IMAGE), e.g. {@code eclipse-temurin:17-jre}, and nothing is built.
 */
public final class BaseImage {

    public static final String PROPERTY = "meshbox.docker.baseImage";
    public static final String ENV = "MESHBOX_DOCKER_BASE_IMAGE";
    static final String REPOSITORY = "meshbox/java-base";

    /**
     * jdeps --print-module-deps on meshbox.jar (java.base, desktop, instrument, management, naming, net.http, rmi,
     * security.jgss, sql, jdk.jfr, jdk.unsupported), plus what it cannot see because they are loaded by name:
     * the EC crypto and DNS naming providers and the zip file system.
     */
    static final List<String> MODULES = List.of(
            "java.base",
            "java.desktop",
            "java.instrument",
            "java.logging",
            "java.management",
            "java.naming",
            "java.net.http",
            "java.rmi",
            "java.security.jgss",
            "java.sql",
            "java.xml",
            "jdk.crypto.ec",
            "jdk.jfr",
            "jdk.naming.dns",
            "jdk.unsupported",
            "jdk.zipfs");

    /** Bump when the recipe in RootFs changes in a way the other inputs do not show. */
    private static final String RECIPE = "jlink-scratch-5";

    private BaseImage() {}

    /** The configured image name, if the user chose their own base. */
    public static Optional<String> configured() {
        String value = System.getProperty(PROPERTY, System.getenv(ENV));
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
    }

    /** The image name to build FROM: the configured one, or ours, built now if the engine lacks it. */
    public static String ensure(DockerClient docker, PrintStream progress) {
        Optional<String> configured = configured();
        if (configured.isPresent()) {
            return configured.get();
        }
        boolean busybox = Files.isRegularFile(RootFs.BUSYBOX);
        boolean iptables = RootFs.iptablesAvailable();
        String tag = REPOSITORY + ":" + inputsHash(busybox, iptables);
        if (ImageBuild.existing(docker, tag).isPresent()) {
            return tag;
        }
        progress.println("building the Java base image " + tag + " (jlink runtime, once) ...");
        long started = System.nanoTime();
        Path context = null;
        try {
            context = Files.createTempDirectory("meshbox-base-");
            RootFs.assemble(context.resolve("rootfs"), MODULES, busybox, iptables);
            ImageBuild.build(docker, dockerfile(busybox), context, tag, Labels.image("base"));
        } catch (IOException e) {
            throw new UncheckedIOException("building " + tag + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building " + tag, e);
        } finally {
            deleteTree(context);
        }
        progress.printf("built %s in %.1f s%n", tag, (System.nanoTime() - started) / 1e9);
        return tag;
    }

    static String dockerfile(boolean busybox) {
        // FROM scratch needs no pull; a build rather than `docker import` so the labels and config land together.
        return "FROM scratch\n"
                + "COPY rootfs/ /\n"
                + "ENV JAVA_HOME=/opt/java PATH=/opt/java/bin:/bin:/usr/sbin LANG=C.UTF-8\n"
                + (busybox ? "" : "# no busybox on the build host: this image has no shell\n")
                + "CMD [\"java\", \"-version\"]\n";
    }

    static String inputsHash(boolean busybox, boolean iptables) {
        String inputs = String.join(
                "\n",
                RECIPE,
                iptables ? "iptables" : "no-iptables",
                System.getProperty("java.home"),
                System.getProperty("java.runtime.version"),
                System.getProperty("os.arch"),
                String.join(",", MODULES),
                busybox ? "busybox" : "no-busybox",
                Files.isDirectory(RootFs.LOCALE) ? "locale" : "no-locale",
                dockerfile(busybox));
        return sha256(inputs.getBytes(StandardCharsets.UTF_8)).substring(0, 12);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover temp directory costs disk, not correctness
        }
    }
}
