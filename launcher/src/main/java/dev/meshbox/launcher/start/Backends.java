package dev.meshbox.launcher.start;

import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.backend.StartedMesh;
import dev.meshbox.launcher.docker.DockerMesh;
import dev.meshbox.launcher.kube.Clusters;
import dev.meshbox.launcher.kube.KubeMesh;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The backends a mesh can run on, by the name users type ({@code --backend}, {@code @MeshTest(backend = ...)}). The
 * one class that knows every backend, so it sits above them: the backends know only {@link StartedMesh}.
 */
public final class Backends {

    public static final String LOCAL = "local";
    public static final String DOCKER = "docker";
    public static final String K3S = "k3s";
    public static final String KUBERNETES = "kubernetes";
    public static final List<String> NAMES = List.of(LOCAL, DOCKER, K3S, KUBERNETES);

    /** Where a Kubernetes mesh is reached from this machine. */
    public enum Ports {
        /** The ingress on 127.0.0.1:8080 and the admin API on 15014, as {@code meshbox up} prints them. */
        STANDARD,
        /** Free local ports, so meshes (and a running {@code up}) can share a machine. */
        FREE
    }

    /**
     * A backend and what the Kubernetes ones need: the kubeconfig ({@code kubernetes}; default as kubectl's:
     * {@code KUBECONFIG}, else {@code ~/.kube/config}), MeshBox's image as the cluster pulls it (default: built here),
     * and {@code --image-map}'s FROM=TO swaps for the other images the cluster pulls (the Zipkin and Prometheus addons').
     */
    public record Target(
            String backend, Optional<Path> kubeconfig, Optional<String> image, Map<String, String> imageMap) {
        public Target {
            imageMap = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(imageMap));
        }

        public Target(String backend, Optional<Path> kubeconfig, Optional<String> image) {
            this(backend, kubeconfig, image, Map.of());
        }

        public static Target of(String backend) {
            return new Target(backend, Optional.empty(), Optional.empty());
        }

        /** {@code image} as the cluster pulls it: swapped by the first {@code --image-map} rule that matches it. */
        public String pulled(String image) {
            return dev.meshbox.launcher.kube.ImageMap.swap(imageMap, image);
        }

        /** The kubeconfig to use: the given one, else kubectl's default; fails naming all three places when there is none. */
        public Path kubeconfigOrDefault() {
            if (kubeconfig.isPresent()) {
                return kubeconfig.get();
            }
            String env = System.getenv("KUBECONFIG");
            if (env != null && !env.isBlank()) {
                return Path.of(env.split(java.io.File.pathSeparator)[0]);
            }
            Path home = Path.of(System.getProperty("user.home"), ".kube", "config");
            if (Files.isRegularFile(home)) {
                return home;
            }
            throw new IllegalArgumentException(
                    "--backend kubernetes needs a cluster: pass --kubeconfig FILE (or set KUBECONFIG,"
                            + " or have ~/.kube/config); for a throwaway cluster use --backend k3s");
        }
    }

    private Backends() {}

    /** A mesh on its own addresses and free ports, as {@code meshbox run} and the JUnit extension start it. */
    public static StartedMesh startIsolated(String backend, MeshSpec spec, OptionalLong seed, PrintStream progress)
            throws InterruptedException {
        return startIsolated(Target.of(backend), spec, seed, progress);
    }

    public static StartedMesh startIsolated(Target target, MeshSpec spec, OptionalLong seed, PrintStream progress)
            throws InterruptedException {
        return startIsolated(
                target, spec, seed, dev.meshbox.controlplane.security.MeshConfigFile.Settings.DEFAULTS, progress);
    }

    /**
     * As {@link #startIsolated(Target, MeshSpec, OptionalLong, PrintStream)}, with the mesh config's
     * {@code extensionProviders} and {@code outboundTrafficPolicy} (the local and docker backends take them).
     */
    public static StartedMesh startIsolated(
            Target target,
            MeshSpec spec,
            OptionalLong seed,
            dev.meshbox.controlplane.security.MeshConfigFile.Settings meshConfig,
            PrintStream progress)
            throws InterruptedException {
        return switch (target.backend()) {
            case LOCAL ->
                LocalMesh.start(
                        spec,
                        LocalOptions.isolated(seed)
                                .withSecurity(meshConfig.applyTo(
                                        LocalOptions.isolated(seed).security())),
                        progress);
            case DOCKER ->
                DockerMesh.start(spec, DockerMesh.Options.isolated(seed).withMeshConfig(meshConfig), progress);
            case K3S, KUBERNETES -> startOnKubernetes(target, spec, Ports.FREE, seed, meshConfig, progress);
            default ->
                throw new IllegalArgumentException(
                        "unknown backend " + target.backend() + "; expected one of " + NAMES);
        };
    }

    /**
     * A mesh on a Kubernetes cluster: k3s started for it, or the kubeconfig's, its ingress and admin API forwarded to
     * {@code ports}.
     */
    public static KubeMesh startOnKubernetes(
            Target target, MeshSpec spec, Ports ports, OptionalLong seed, PrintStream progress)
            throws InterruptedException {
        return startOnKubernetes(
                target,
                spec,
                ports,
                seed,
                dev.meshbox.controlplane.security.MeshConfigFile.Settings.DEFAULTS,
                progress);
    }

    /** As above, with the mesh config written to ConfigMap istio-system/istio, where the control plane reads it. */
    public static KubeMesh startOnKubernetes(
            Target target,
            MeshSpec spec,
            Ports ports,
            OptionalLong seed,
            dev.meshbox.controlplane.security.MeshConfigFile.Settings meshConfig,
            PrintStream progress)
            throws InterruptedException {
        return startOnKubernetes(
                target, spec, ports, seed, meshConfig, dev.meshbox.launcher.kube.KubeClusterIdentity.SINGLE, progress);
    }

    /** As above, with Istio's {@code cacerts} Secret (and cluster id and network) when {@code identity} names them. */
    public static KubeMesh startOnKubernetes(
            Target target,
            MeshSpec spec,
            Ports ports,
            OptionalLong seed,
            dev.meshbox.controlplane.security.MeshConfigFile.Settings meshConfig,
            dev.meshbox.launcher.kube.KubeClusterIdentity identity,
            PrintStream progress)
            throws InterruptedException {
        spec = dev.meshbox.launcher.addons.ZipkinAddon.forCluster(
                spec, target.pulled(dev.meshbox.launcher.addons.ZipkinAddon.CLUSTER_IMAGE));
        KubeMesh.requireContainers(spec);
        Clusters.Cluster cluster = target.backend().equals(K3S)
                ? Clusters.k3s(progress)
                : Clusters.existing(target.kubeconfigOrDefault(), target.image().orElse(null), progress);
        KubeMesh.Options options = switch (ports) {
            case STANDARD -> KubeMesh.Options.standard(cluster.image(), seed);
            case FREE -> KubeMesh.Options.isolated(cluster.image(), seed);
        };
        options = options.withMeshConfig(meshConfig).withCluster(identity);
        // The mesh closes what it was given (the k3s container, or our client of the user's cluster), also when it
        // fails.
        return KubeMesh.start(
                cluster.client(),
                spec,
                options,
                progress,
                cluster.owned() != null ? cluster.owned() : cluster.client()::close);
    }

    /**
     * Where this machine reaches the mesh's Zipkin: the addon's own address (local backend: its server; docker: its
     * published port), else a port-forward to its pod (Kubernetes).
     */
    public static java.util.Optional<java.net.InetSocketAddress> zipkin(
            java.util.Optional<dev.meshbox.launcher.addons.ZipkinAddon> addon, Object mesh) {
        if (addon.isEmpty()) {
            return java.util.Optional.empty();
        }
        return addon.get()
                .address()
                .or(() -> mesh instanceof KubeMesh k
                        ? k.addon(dev.meshbox.launcher.addons.ZipkinAddon.SERVICE)
                        : java.util.Optional.empty());
    }
}
