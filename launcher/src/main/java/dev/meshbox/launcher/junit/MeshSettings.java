package dev.meshbox.launcher.junit;

import dev.meshbox.launcher.start.Backends;
import dev.meshbox.scenarios.BuiltinWorkloads;
import dev.meshbox.scenarios.KubernetesManifests;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.ScenarioException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/**
 * What mesh a test class asks for, read from {@link MeshTest} and the configuration parameters
 * ({@code -Dmeshbox.backend}, {@code -Dmeshbox.seed}, or {@code junit-platform.properties}). Every mistake is reported
 * naming the attribute or property, the value and what would be valid.
 *
 * @param origin the test class or scenario the mesh is for, for messages and request ids
 */
record MeshSettings(
        String backend,
        List<Scenario.Workload> workloads,
        OptionalLong seed,
        String origin,
        Backends.Target target,
        dev.meshbox.controlplane.security.MeshConfigFile.Settings meshConfig,
        boolean tracing,
        List<Scenario.Cluster> clusters,
        String multicluster) {

    MeshSettings(
            String backend,
            List<Scenario.Workload> workloads,
            OptionalLong seed,
            String origin,
            Backends.Target target,
            dev.meshbox.controlplane.security.MeshConfigFile.Settings meshConfig,
            boolean tracing,
            List<Scenario.Cluster> clusters) {
        this(backend, workloads, seed, origin, target, meshConfig, tracing, clusters, "");
    }

    /** The model the clusters run ({@code @MeshTest(multicluster)}, a scenario's {@code multicluster:}). */
    dev.meshbox.launcher.backend.MultiClusterModel model() {
        return multicluster.isEmpty()
                ? dev.meshbox.launcher.backend.MultiClusterModel.MULTI_PRIMARY
                : dev.meshbox.launcher.backend.MultiClusterModel.of(multicluster);
    }

    MeshSettings(
            String backend,
            List<Scenario.Workload> workloads,
            OptionalLong seed,
            String origin,
            Backends.Target target,
            dev.meshbox.controlplane.security.MeshConfigFile.Settings meshConfig,
            boolean tracing) {
        this(backend, workloads, seed, origin, target, meshConfig, tracing, List.of());
    }

    MeshSettings(
            String backend,
            List<Scenario.Workload> workloads,
            OptionalLong seed,
            String origin,
            Backends.Target target,
            dev.meshbox.controlplane.security.MeshConfigFile.Settings meshConfig) {
        this(backend, workloads, seed, origin, target, meshConfig, false);
    }

    MeshSettings(
            String backend,
            List<Scenario.Workload> workloads,
            OptionalLong seed,
            String origin,
            Backends.Target target) {
        this(
                backend,
                workloads,
                seed,
                origin,
                target,
                dev.meshbox.controlplane.security.MeshConfigFile.Settings.DEFAULTS);
    }

    /** The mesh config's extensionProviders. */
    List<dev.meshbox.controlplane.security.ExtAuthzProvider> extensionProviders() {
        return meshConfig.extensionProviders();
    }

    static final String BACKEND_PROPERTY = "meshbox.backend";
    static final String KUBECONFIG_PROPERTY = "meshbox.kubeconfig";
    static final String IMAGE_PROPERTY = "meshbox.image";
    /** {@code --image-map}'s rules for the JUnit extension, comma-separated: {@code -Dmeshbox.imageMap=FROM=TO,...}. */
    static final String IMAGE_MAP_PROPERTY = "meshbox.imageMap";

    static final String SEED_PROPERTY = "meshbox.seed";
    /** The backends this build can start. */
    static final List<String> BACKENDS = Backends.NAMES;

    /** The mesh of a {@code @MeshTest} class. */
    static MeshSettings of(MeshTest test, Class<?> testClass, Function<String, Optional<String>> config) {
        String where = "@MeshTest on " + testClass.getName();
        List<Scenario.Workload> workloads = new ArrayList<>();
        MeshClusters placed = MeshClusters.of(where, test);
        for (String name : placed.everywhere()) {
            workloads.add(builtin(where + ": workloads", name, true));
        }
        for (String name : test.withoutSidecar()) {
            workloads.add(builtin(where + ": withoutSidecar", name, false));
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Scenario.Workload w : workloads) {
            if (w instanceof Scenario.Builtin b && !seen.add(b.name() + "." + b.namespace())) {
                throw new ExtensionConfigurationException(where + ": " + b.name() + " is listed twice in namespace "
                        + b.namespace() + "; list it once, in workloads (with a sidecar) or withoutSidecar");
            }
        }
        ClassLoader loader = loader(testClass);
        for (String location : test.kubernetes()) {
            Locations.Text text;
            try {
                text = Locations.read(location, loader);
            } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
                throw new ExtensionConfigurationException(where + ": kubernetes: " + e.getMessage(), e);
            }
            try {
                workloads.add(KubernetesManifests.parse(text.name(), text.text()));
            } catch (ScenarioException e) {
                throw new ExtensionConfigurationException(where + ": kubernetes: " + e.getMessage(), e);
            }
        }
        if (workloads.isEmpty()) {
            workloads.add(new Scenario.Builtin("bookinfo"));
        }
        for (String text : test.gateways()) {
            dev.meshbox.scenarios.GatewayWorkload.Parsed parsed = dev.meshbox.scenarios.GatewayWorkload.parse(text);
            if (!parsed.problems().isEmpty()) {
                throw new ExtensionConfigurationException(
                        where + ": gateways: \"" + text + "\": " + String.join("; ", parsed.problems()));
            }
            workloads.add(parsed.gateway().orElseThrow());
        }
        OptionalLong seed = test.seed() != MeshTest.NO_SEED ? OptionalLong.of(test.seed()) : seed(config);
        String backend = backend(Optional.of(test), testClass, config);
        dev.meshbox.controlplane.security.MeshConfigFile.Settings providers =
                dev.meshbox.controlplane.security.MeshConfigFile.Settings.DEFAULTS;
        if (test.tracing() && test.meshConfig().isEmpty()) {
            providers = dev.meshbox.launcher.addons.Addons.tracingMeshConfig(where, Optional.empty());
        }
        if (!test.meshConfig().isEmpty()) {
            try {
                Locations.Text text = Locations.read(test.meshConfig(), loader);
                providers = test.tracing()
                        ? dev.meshbox.launcher.addons.Addons.tracingMeshConfig(text.name(), Optional.of(text.text()))
                        : dev.meshbox.controlplane.security.MeshConfigFile.read(text.name(), text.text());
            } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
                throw new ExtensionConfigurationException(where + ": meshConfig: " + e.getMessage(), e);
            }
        }
        return new MeshSettings(
                backend,
                List.copyOf(workloads),
                seed,
                testClass.getSimpleName(),
                target(backend, Optional.of(test), config),
                providers,
                test.tracing(),
                placed.clusters(List.copyOf(workloads), name -> builtin(where + ": workloads", name, true)),
                multicluster(where, test));
    }

    /** {@code @MeshTest(multicluster)}, checked: a model's word, and only with clusters. */
    private static String multicluster(String where, MeshTest test) {
        if (test.multicluster().isEmpty()) {
            return "";
        }
        try {
            dev.meshbox.launcher.backend.MultiClusterModel.of(test.multicluster());
        } catch (IllegalArgumentException e) {
            throw new ExtensionConfigurationException(where + ": multicluster: " + e.getMessage(), e);
        }
        if (test.clusters().length == 0) {
            throw new ExtensionConfigurationException(where + ": multicluster = \"" + test.multicluster()
                    + "\" needs clusters, e.g. clusters = {\"cluster1/network1\", \"cluster2/network2\"}");
        }
        return test.multicluster();
    }

    /** {@code httpbin} or {@code httpbin.foo}, as a built-in workload, or the reasons it is none. */
    private static Scenario.Builtin builtin(String where, String text, boolean sidecar) {
        BuiltinWorkloads.Parsed parsed = BuiltinWorkloads.parse(text);
        if (parsed.problems().isEmpty() && !sidecar) {
            Scenario.Builtin b = parsed.workload().orElseThrow();
            parsed = BuiltinWorkloads.of(b.name(), b.namespace(), b.serviceAccount(), false);
        }
        if (!parsed.problems().isEmpty()) {
            throw new ExtensionConfigurationException(where + ": \"" + text + "\": "
                    + String.join("; ", parsed.problems())
                    + "; for your own services use kubernetes = \"classpath:your-deployments.yaml\"");
        }
        return parsed.workload().orElseThrow();
    }

    /** The mesh a scenario's own workloads need, for a test method whose class mesh does not fit. */
    static MeshSettings forScenario(
            Scenario scenario, Optional<MeshTest> test, Class<?> testClass, Function<String, Optional<String>> config) {
        OptionalLong seed = scenario.seed()
                .map(OptionalLong::of)
                .orElseGet(() -> test.filter(t -> t.seed() != MeshTest.NO_SEED)
                        .map(t -> OptionalLong.of(t.seed()))
                        .orElseGet(() -> seed(config)));
        String backend = backend(test, testClass, config);
        dev.meshbox.controlplane.security.MeshConfigFile.Settings meshConfig;
        try {
            meshConfig = scenario.tracing()
                    ? dev.meshbox.launcher.addons.Addons.tracingMeshConfig(
                            scenario.file() + ": meshConfig", scenario.meshConfig())
                    : scenario.meshConfig()
                            .map(text -> dev.meshbox.controlplane.security.MeshConfigFile.read(
                                    scenario.file() + ": meshConfig", text))
                            .orElse(dev.meshbox.controlplane.security.MeshConfigFile.Settings.DEFAULTS);
        } catch (IllegalArgumentException e) {
            throw new ExtensionConfigurationException(e.getMessage(), e);
        }
        return new MeshSettings(
                backend,
                scenario.workloads(),
                seed,
                scenario.name(),
                target(backend, test, config),
                meshConfig,
                scenario.tracing(),
                scenario.clusters(),
                scenario.multicluster());
    }

    /** The backend with the kubeconfig ({@code @MeshTest(kubeconfig)}, else {@code meshbox.kubeconfig}) and image it may need. */
    static Backends.Target target(String backend, Optional<MeshTest> test, Function<String, Optional<String>> config) {
        Optional<String> kubeconfig = test.map(MeshTest::kubeconfig)
                .filter(s -> !s.isEmpty())
                .or(() -> config.apply(KUBECONFIG_PROPERTY).map(String::trim).filter(s -> !s.isEmpty()));
        Optional<String> image = config.apply(IMAGE_PROPERTY).map(String::trim).filter(s -> !s.isEmpty());
        List<String> rules = config.apply(IMAGE_MAP_PROPERTY).stream()
                .flatMap(s -> java.util.Arrays.stream(s.split(",")))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
        Map<String, String> imageMap;
        try {
            imageMap = dev.meshbox.launcher.kube.ImageMap.rules(rules);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("-D" + IMAGE_MAP_PROPERTY + ": " + e.getMessage(), e);
        }
        return new Backends.Target(backend, kubeconfig.map(java.nio.file.Path::of), image, imageMap);
    }

    /** The annotation's backend when it names one, else {@code meshbox.backend}, else {@code local}. */
    static String backend(Optional<MeshTest> test, Class<?> testClass, Function<String, Optional<String>> config) {
        String annotated = test.map(MeshTest::backend).orElse("");
        if (!annotated.isEmpty()) {
            return valid(annotated, "@MeshTest(backend = \"" + annotated + "\") on " + testClass.getName());
        }
        Optional<String> property =
                config.apply(BACKEND_PROPERTY).map(String::trim).filter(s -> !s.isEmpty());
        return property.map(p -> valid(
                        p,
                        "-D" + BACKEND_PROPERTY + "=" + p + " (or " + BACKEND_PROPERTY
                                + " in junit-platform.properties)"))
                .orElse(BACKENDS.get(0));
    }

    private static String valid(String backend, String where) {
        if (!BACKENDS.contains(backend)) {
            throw new ExtensionConfigurationException(
                    where + ": unknown backend \"" + backend + "\"; valid backends: " + String.join(", ", BACKENDS)
                            + " (set it with @MeshTest(backend = ...) or -D" + BACKEND_PROPERTY + "=...)");
        }
        return backend;
    }

    static OptionalLong seed(Function<String, Optional<String>> config) {
        Optional<String> value = config.apply(SEED_PROPERTY).map(String::trim).filter(s -> !s.isEmpty());
        if (value.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(value.get()));
        } catch (NumberFormatException e) {
            throw new ExtensionConfigurationException(
                    "-D" + SEED_PROPERTY + "=" + value.get() + ": expected an integer such as 42");
        }
    }

    static ClassLoader loader(Class<?> testClass) {
        ClassLoader l = testClass.getClassLoader();
        return l != null ? l : Thread.currentThread().getContextClassLoader();
    }

    /** {@code bookinfo, kubernetes classpath:checkout.yaml (seed 42)}, for progress lines. */
    String describe() {
        List<String> parts = new ArrayList<>();
        for (Scenario.Workload w : workloads) {
            parts.add(
                    w instanceof Scenario.Builtin b
                            ? b.displayName()
                            : w instanceof Scenario.Kubernetes k
                                    ? "kubernetes " + k.source()
                                    : w instanceof Scenario.Echo e ? "echo " + e.service() : w.displayName());
        }
        return String.join(", ", parts) + (seed.isPresent() ? " (seed " + seed.getAsLong() + ")" : "");
    }
}
