package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.meshbox.launcher.docker.DockerCondition;
import dev.meshbox.launcher.kube.Clusters;
import dev.meshbox.launcher.start.Backends;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.ScenarioLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every scenario shipped in scenarios/ passes with {@code meshbox run}, as a user runs it, on every backend: k3s where
 * its image is in the local engine, a Kubernetes cluster where {@code -Dmeshbox.kubeconfig} names one; otherwise those
 * rows are skipped with the reason.
 */
class ShippedScenariosIT {

    static Stream<Arguments> scenarios() throws IOException {
        Path dir = Path.of("").toAbsolutePath().getParent().resolve("scenarios");
        // The top level and security/ (Istio's security tasks); istio/ holds the config they apply, not scenarios.
        try (Stream<Path> top = Files.list(dir);
                Stream<Path> security = Files.list(dir.resolve("security"))) {
            // -Dmeshbox.scenarios=grpc-canary runs only the files whose name contains it.
            String only = System.getProperty("meshbox.scenarios", "");
            var list = Stream.concat(top, security)
                    .filter(f -> f.toString().endsWith(".yaml"))
                    .filter(f -> f.getFileName().toString().contains(only))
                    .sorted()
                    .toList();
            return Stream.of(Backends.LOCAL, Backends.DOCKER, Backends.K3S, Backends.KUBERNETES)
                    .flatMap(b -> list.stream().map(f -> Arguments.of(b, f)));
        }
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("scenarios")
    void passesWithMeshboxRun(String backend, Path scenario) {
        Scenario loaded = new ScenarioLoader().load(scenario);
        assumeTrue(
                backend.equals(Backends.LOCAL)
                        || backend.equals(Backends.DOCKER)
                        || loaded.workloads().stream()
                                .noneMatch(dev.meshbox.scenarios.GatewayWorkload.class::isInstance),
                "gateway workloads of the user's run on the local and docker backends only for now");
        assumeTrue(
                backend.equals(Backends.LOCAL)
                        || backend.equals(Backends.DOCKER)
                        || loaded.steps().stream()
                                .flatMap(st -> st.traffic().stream())
                                .noneMatch(t -> t.url().startsWith("https://")),
                "https:// traffic to a gateway's TLS port runs on the local and docker backends only for now (the"
                        + " Kubernetes backends forward every gateway port, but no k3s run has checked it yet)");
        assumeTrue(
                backend.equals(Backends.LOCAL)
                        || backend.equals(Backends.DOCKER)
                        || loaded.steps().stream()
                                .flatMap(st -> st.traffic().stream())
                                .noneMatch(t -> t.url().startsWith("tcp://")),
                "tcp:// traffic reaches gateway and sidecar TCP ports on the local and docker backends only for now");
        assumeTrue(
                backend.equals(Backends.LOCAL)
                        || backend.equals(Backends.DOCKER)
                        || loaded.steps().stream()
                                .noneMatch(st -> st.proxyAdmin().isPresent()),
                "proxyAdmin steps POST to a pod's admin port at its IP, which the local and docker backends reach");
        assumeTrue(
                backend.equals(Backends.LOCAL) || backend.equals(Backends.DOCKER) || !loaded.tracing(),
                "tracing: true on a cluster runs Istio's zipkin.yaml, whose image the cluster must pull");
        assumeTrue(
                backend.equals(Backends.LOCAL)
                        || backend.equals(Backends.DOCKER)
                        || loaded.clusters().isEmpty(),
                "clusters run on the local and docker backends only for now");
        List<Scenario.Builtin> builtins = loaded.workloads().stream()
                .filter(Scenario.Builtin.class::isInstance)
                .map(Scenario.Builtin.class::cast)
                .toList();
        List<String> proxyless = builtins.stream()
                .filter(Scenario.Builtin::proxylessGrpc)
                .map(Scenario.Workload::displayName)
                .toList();
        assumeTrue(
                backend.equals(Backends.LOCAL) || backend.equals(Backends.DOCKER) || proxyless.isEmpty(),
                () -> "proxyless gRPC clients run on the local and docker backends only for now (their channels live"
                        + " in the runner's JVM): " + proxyless);
        if (backend.equals(Backends.K3S) || backend.equals(Backends.KUBERNETES)) {
            List<String> uninjected = builtins.stream()
                    .filter(b -> !b.sidecar())
                    .map(Scenario.Workload::displayName)
                    .toList();
            assumeTrue(
                    uninjected.isEmpty(),
                    () -> "on Kubernetes, traffic is sent only from pods with a sidecar for now: " + uninjected);
        }
        if (backend.equals(Backends.DOCKER)) {
            DockerCondition.assumeDocker();
        }
        List<String> args = new ArrayList<>(List.of("run", "--backend", backend));
        if (backend.equals(Backends.K3S)) {
            Optional<String> why = Clusters.k3sUnavailable();
            assumeTrue(why.isEmpty(), () -> "k3s cannot run on this machine: " + why.orElse(""));
        }
        if (backend.equals(Backends.KUBERNETES)) {
            String kubeconfig = System.getProperty("meshbox.kubeconfig", "");
            assumeTrue(
                    !kubeconfig.isEmpty(),
                    "no cluster given: run with -Dmeshbox.kubeconfig=FILE (and -Dmeshbox.image=IMAGE its nodes"
                            + " can pull) to run the scenarios on it");
            args.addAll(List.of("--kubeconfig", kubeconfig));
            Optional.ofNullable(System.getProperty("meshbox.image")).ifPresent(i -> args.addAll(List.of("--image", i)));
        }
        args.add(scenario.toString());
        CliIT.Run r = CliIT.meshbox(args.toArray(String[]::new));
        assertThat(r.exit())
                .as("meshbox run --backend %s %s%n%s%s", backend, scenario.getFileName(), r.out(), r.err())
                .isZero();
        assertThat(r.out()).contains("PASS ");
    }
}
