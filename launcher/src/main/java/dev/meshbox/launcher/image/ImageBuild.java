package dev.meshbox.launcher.image;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A {@code docker build} from a tar context we write ourselves. Testcontainers' ImageFromDockerfile would also
 * do, but it pre-pulls the images a Dockerfile names (fatal for {@code FROM scratch} with no registry) and it
 * does not keep symlinks, which the base image's busybox applets are.
 */
final class ImageBuild {

    private ImageBuild() {}

    /** The id of the image with this tag in the engine, if it is there. */
    static Optional<String> existing(DockerClient docker, String tag) {
        try {
            return Optional.of(docker.inspectImageCmd(tag).exec().getId());
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    /**
     * Builds {@code dockerfile} with every file under {@code contextDir} as the context, tags it and returns its id.
     * The context is spooled to a temporary tar so a failed build can be reported, not half-streamed.
     */
    static String build(
            DockerClient docker, String dockerfile, Path contextDir, String tag, Map<String, String> labels) {
        Path tar = null;
        try {
            tar = Files.createTempFile("meshbox-context-", ".tar");
            writeContext(dockerfile, contextDir, tar);
            try (InputStream in = Files.newInputStream(tar)) {
                String built = docker.buildImageCmd(in)
                        .withTags(Set.of(tag))
                        .withLabels(labels)
                        .withPull(false)
                        .withRemove(true)
                        .withForcerm(true)
                        .exec(new BuildImageResultCallback())
                        .awaitImageId();
                // The build answers with a short id, inspect with the full one: return one form only.
                return existing(docker, tag).orElse(built);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("building " + tag + ": " + e.getMessage(), e);
        } catch (com.github.dockerjava.api.exception.DockerClientException
                | com.github.dockerjava.api.exception.DockerException e) {
            throw new IllegalStateException(
                    "building image " + tag + " failed: "
                            + String.valueOf(e.getMessage()).strip(),
                    e);
        } finally {
            if (tar != null) {
                try {
                    Files.deleteIfExists(tar);
                } catch (IOException ignored) {
                    // a stray temp file is harmless; the build's outcome matters more
                }
            }
        }
    }

    private static void writeContext(String dockerfile, Path contextDir, Path tar) throws IOException {
        try (OutputStream out = Files.newOutputStream(tar);
                TarArchiveOutputStream archive = new TarArchiveOutputStream(out)) {
            archive.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            archive.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            byte[] text = dockerfile.getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry dockerfileEntry = new TarArchiveEntry("Dockerfile");
            dockerfileEntry.setSize(text.length);
            archive.putArchiveEntry(dockerfileEntry);
            archive.write(text);
            archive.closeArchiveEntry();
            List<Path> paths;
            try (Stream<Path> walk = Files.walk(contextDir)) {
                paths = walk.filter(p -> !p.equals(contextDir)).sorted().toList();
            }
            for (Path path : paths) {
                addEntry(archive, contextDir, path);
            }
            archive.finish();
        }
    }

    private static void addEntry(TarArchiveOutputStream archive, Path root, Path path) throws IOException {
        String name = root.relativize(path).toString().replace('\\', '/');
        if (Files.isSymbolicLink(path)) {
            TarArchiveEntry link = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
            link.setLinkName(Files.readSymbolicLink(path).toString());
            archive.putArchiveEntry(link);
            archive.closeArchiveEntry();
            return;
        }
        TarArchiveEntry entry = new TarArchiveEntry(path.toFile(), name);
        entry.setMode(mode(path, Files.isDirectory(path)));
        entry.setUserId(0);
        entry.setGroupId(0);
        entry.setModTime(0);
        archive.putArchiveEntry(entry);
        if (Files.isRegularFile(path)) {
            Files.copy(path, archive);
        }
        archive.closeArchiveEntry();
    }

    /**
     * The file's permission bits; a directory named tmp gets 1777, since any user in a container may need the
     * JVM's perf data and Netty's unpacked native library there.
     */
    private static int mode(Path path, boolean directory) throws IOException {
        int bits = 0;
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
        for (PosixFilePermission p : permissions) {
            bits |= 1 << (8 - p.ordinal());
        }
        if (directory && path.getFileName().toString().equals("tmp")) {
            bits = 01777;
        }
        return (directory ? TarArchiveEntry.DEFAULT_DIR_MODE & ~07777 : TarArchiveEntry.DEFAULT_FILE_MODE & ~07777)
                | bits;
    }
}
