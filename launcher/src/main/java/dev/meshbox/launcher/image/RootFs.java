package dev.meshbox.launcher.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

/**
 * Assembles the base image's root filesystem from this machine alone, since no registry is reachable: a jlink
 * runtime of the running JDK at /opt/java, the shared libraries it links against at their host paths, busybox
 * as /bin/sh when the host has the static build, the host's compiled C.UTF-8 locale, and the few files a JVM
 * expects (/tmp, /etc/passwd). Without the locale files glibc falls back to ASCII and Java 17's file.encoding
 * and sun.jnu.encoding follow it, which mangles non-ASCII file names and output.
 */
final class RootFs {

    /** Applets linked to busybox: enough to look around in a container and to script a readiness probe. */
    private static final List<String> APPLETS =
            List.of("sh", "ls", "cat", "ps", "wget", "nc", "sleep", "env", "ip", "netstat", "grep", "true");

    static final Path BUSYBOX = Path.of("/bin/busybox");
    static final List<String> GLIBC_FOR_NETTY = List.of("libdl.so.2", "librt.so.1", "libpthread.so.0", "libgcc_s.so.1");
    static final Path LOCALE = Path.of("/usr/lib/locale/C.utf8");

    private RootFs() {}

    /** iptables (the nf_tables build every Debian Docker host has, since dockerd needs it) for the pods' capture rules. */
    static final Path IPTABLES = Path.of("/usr/sbin/xtables-nft-multi");

    static final Path XTABLES_EXTENSIONS = Path.of("/usr/lib/x86_64-linux-gnu/xtables");

    static boolean iptablesAvailable() {
        return Files.isRegularFile(IPTABLES) && Files.isDirectory(XTABLES_EXTENSIONS);
    }

    static void assemble(Path root, List<String> modules, boolean withBusybox, boolean withIptables)
            throws IOException, InterruptedException {
        Path java = root.resolve("opt/java");
        jlink(java, modules);
        for (String library : sharedLibraries(java)) {
            Path target = root.resolve(library.substring(1));
            Files.createDirectories(target.getParent());
            // Follows the host's symlink chain (libz.so.1 -> libz.so.1.2.13) so the image holds a real file.
            Files.copy(Path.of(library), target, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.createDirectories(root.resolve("tmp"));
        Path etc = Files.createDirectories(root.resolve("etc"));
        Files.writeString(
                etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n");
        Files.writeString(etc.resolve("group"), "root:x:0:\nnogroup:x:65534:\n");
        Files.createDirectories(root.resolve("root"));
        if (Files.isDirectory(LOCALE)) {
            copyTree(LOCALE, root.resolve(LOCALE.toString().substring(1)));
        }
        if (withIptables) {
            addIptables(root);
        }
        if (withBusybox) {
            Path bin = Files.createDirectories(root.resolve("bin"));
            Files.copy(BUSYBOX, bin.resolve("busybox"), StandardCopyOption.COPY_ATTRIBUTES);
            for (String applet : APPLETS) {
                Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
            }
        }
    }

    /**
     * The host's iptables (one multi-call binary, named iptables and iptables-restore by links), its match and target
     * extensions (loaded with dlopen, so ldd of the binary does not name them), and every library those link.
     */
    private static void addIptables(Path root) throws IOException, InterruptedException {
        Path sbin = Files.createDirectories(root.resolve("usr/sbin"));
        Files.copy(IPTABLES, sbin.resolve(IPTABLES.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
        for (String name : List.of("iptables", "iptables-restore", "iptables-save")) {
            Files.createSymbolicLink(sbin.resolve(name), IPTABLES.getFileName());
        }
        copyTree(XTABLES_EXTENSIONS, root.resolve(XTABLES_EXTENSIONS.toString().substring(1)));
        Set<String> libraries = new TreeSet<>(parseLdd(ldd(IPTABLES.toString())));
        try (Stream<Path> ext = Files.list(XTABLES_EXTENSIONS)) {
            for (Path so : ext.filter(p -> p.toString().endsWith(".so")).toList()) {
                libraries.addAll(parseLdd(ldd(so.toString())));
            }
        }
        for (String library : libraries) {
            Path target = root.resolve(library.substring(1));
            if (!Files.exists(target)) {
                Files.createDirectories(target.getParent());
                Files.copy(Path.of(library), target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path source : walk.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void jlink(Path output, List<String> modules) throws IOException {
        ToolProvider jlink = ToolProvider.findFirst("jlink")
                .orElseThrow(() -> new IOException(
                        "this Java runtime has no jlink (a JRE?): run MeshBox on a JDK 17, or set -Dmeshbox.docker.baseImage"
                                + " to a Java 17 image such as eclipse-temurin:17-jre"));
        StringWriter log = new StringWriter();
        PrintWriter writer = new PrintWriter(log);
        Files.createDirectories(output.getParent());
        int exit = jlink.run(
                writer,
                writer,
                "--add-modules",
                String.join(",", modules),
                "--output",
                output.toString(),
                "--strip-debug",
                "--no-header-files",
                "--no-man-pages",
                "--compress=2");
        writer.flush();
        if (exit != 0) {
            throw new IOException("jlink exited " + exit + ": " + log);
        }
    }

    /** Every library ldd names for the runtime's launcher and its native libraries, plus the dynamic loader. */
    private static Set<String> sharedLibraries(Path java) throws IOException, InterruptedException {
        List<String> binaries = new ArrayList<>();
        binaries.add(java.resolve("bin/java").toString());
        try (Stream<Path> walk = Files.walk(java.resolve("lib"))) {
            walk.filter(p -> p.getFileName().toString().endsWith(".so")).forEach(p -> binaries.add(p.toString()));
        }
        Set<String> libraries = new TreeSet<>();
        for (String binary : binaries) {
            libraries.addAll(parseLdd(ldd(binary)));
        }
        // Netty's epoll and tcnative libraries are unpacked from meshbox.jar at run time, so ldd never sees them,
        // and they link parts of glibc no JDK library does; without these Netty silently falls back to NIO.
        libraries.stream()
                .filter(library -> library.endsWith("/libc.so.6"))
                .findFirst()
                .ifPresent(libc -> {
                    Path dir = Path.of(libc).getParent();
                    for (String name : GLIBC_FOR_NETTY) {
                        if (Files.isRegularFile(dir.resolve(name))) {
                            libraries.add(dir.resolve(name).toString());
                        }
                    }
                });
        // The runtime's own libraries are already in place.
        libraries.removeIf(library -> library.startsWith(java.toString()));
        return libraries;
    }

    private static String ldd(String binary) throws IOException, InterruptedException {
        Process process =
                new ProcessBuilder("ldd", binary).redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = process.getInputStream()) {
            in.transferTo(out);
        }
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("ldd " + binary + " did not finish in 30 s");
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * The absolute paths in ldd's output: {@code name => /path (0x...)} and the loader's bare {@code /path (0x...)};
     * the kernel's vdso has no file and "not found" lines have no path.
     */
    static Set<String> parseLdd(String output) {
        Set<String> paths = new TreeSet<>();
        for (String line : output.split("\n")) {
            String text = line.strip();
            int arrow = text.indexOf("=>");
            String rest = arrow >= 0 ? text.substring(arrow + 2).strip() : text;
            if (!rest.startsWith("/")) {
                continue;
            }
            int space = rest.indexOf(' ');
            paths.add(space < 0 ? rest : rest.substring(0, space));
        }
        return paths;
    }
}
