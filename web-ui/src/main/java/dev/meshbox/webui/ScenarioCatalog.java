package dev.meshbox.webui;

import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.ScenarioException;
import dev.meshbox.scenarios.ScenarioLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The scenarios the UI offers: the built-in ones bundled in the jar (with the Istio YAML they refer to, unpacked to a
 * temporary folder so their relative {@code file:} references work), and the user's own {@code *.yaml} files from a
 * folder, read afresh on every listing. A user file identical to a built-in one (the project's own scenarios/ when
 * MeshBox runs from its checkout) is the built-in one.
 */
final class ScenarioCatalog implements AutoCloseable {

    /** Where the build puts the project's scenarios/ inside the jar. */
    static final String BUNDLED = "meshbox/scenarios";

    /** One scenario file as the list shows it; {@code problems} is set when the file does not load. */
    record Entry(
            String id,
            String name,
            String description,
            String source,
            String file,
            List<String> workloads,
            List<String> missing,
            int steps,
            String problems) {}

    private final Path unpacked;
    private final Optional<Path> userDir;
    private final ScenarioLoader loader = new ScenarioLoader();

    ScenarioCatalog(Optional<Path> userDir) {
        this.userDir = userDir.map(Path::toAbsolutePath);
        try {
            unpacked = Files.createTempDirectory("meshbox-ui-");
            unpackBundled(unpacked);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the built-in scenarios: " + e.getMessage(), e);
        }
    }

    /** The folder holding the built-in scenarios and their {@code istio/} YAML (lessons resolve files here too). */
    Path bundledDir() {
        return unpacked;
    }

    Optional<Path> userDir() {
        return userDir;
    }

    /** @param missing which of a scenario's workloads the running mesh lacks */
    List<Entry> list(Function<List<Scenario.Workload>, List<String>> missing) {
        List<Entry> out = new ArrayList<>();
        Map<String, String> builtinTexts = new LinkedHashMap<>();
        for (Path f : yamlFiles(unpacked)) {
            builtinTexts.put(f.getFileName().toString(), read(f));
            out.add(entry("builtin:" + base(f), "built-in", f, f.getFileName().toString(), missing));
        }
        if (userDir.isPresent()) {
            for (Path f : yamlFiles(userDir.get())) {
                if (read(f).equals(builtinTexts.get(f.getFileName().toString()))) {
                    continue;
                }
                out.add(entry("user:" + f.getFileName(), "user", f, f.toString(), missing));
            }
        }
        return out;
    }

    /** The file of a scenario id from {@link #list()}, or empty when there is no such scenario. */
    Optional<Path> file(String id) {
        if (id.startsWith("builtin:")) {
            Path f = unpacked.resolve(id.substring(8) + ".yaml");
            return safe(unpacked, f);
        }
        if (id.startsWith("user:") && userDir.isPresent()) {
            return safe(userDir.get(), userDir.get().resolve(id.substring(5)));
        }
        return Optional.empty();
    }

    Scenario load(Path file) {
        return loader.load(file);
    }

    String text(Path file) {
        return read(file);
    }

    private static Optional<Path> safe(Path dir, Path f) {
        Path n = f.normalize();
        return n.getParent() != null && n.getParent().equals(dir.normalize()) && Files.isRegularFile(n)
                ? Optional.of(n)
                : Optional.empty();
    }

    private Entry entry(
            String id, String source, Path f, String display, Function<List<Scenario.Workload>, List<String>> missing) {
        try {
            Scenario s = loader.load(f);
            return new Entry(
                    id,
                    s.name(),
                    s.description(),
                    source,
                    display,
                    s.workloads().stream().map(Scenario.Workload::displayName).toList(),
                    missing.apply(s.workloads()),
                    s.steps().size(),
                    null);
        } catch (ScenarioException e) {
            return new Entry(id, base(f), "", source, display, List.of(), List.of(), 0, e.getMessage());
        }
    }

    private static String base(Path f) {
        String n = f.getFileName().toString();
        return n.endsWith(".yaml") ? n.substring(0, n.length() - 5) : n;
    }

    private static List<Path> yamlFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".yaml") && Files.isRegularFile(f))
                    .sorted(Comparator.comparing(Path::toString))
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            return "";
        }
    }

    /** Copies {@code meshbox/scenarios/**} from this class's jar (or classes folder) to {@code target}. */
    private static void unpackBundled(Path target) throws IOException {
        Path origin;
        try {
            origin = Path.of(ScenarioCatalog.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        if (Files.isDirectory(origin)) {
            copyTree(origin.resolve(BUNDLED), target);
            return;
        }
        try (FileSystem jar = FileSystems.newFileSystem(origin)) {
            copyTree(jar.getPath("/" + BUNDLED), target);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            return; // a build without the bundled scenarios: only user files are offered
        }
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path dest = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest);
                }
            }
        }
    }

    @Override
    public void close() {
        try (Stream<Path> all = Files.walk(unpacked)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary folder left behind is harmless
        }
    }
}
