package dev.meshbox.launcher.backend;

import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Topology;
import dev.meshbox.launcher.lifecycle.StartupTrace;
import dev.meshbox.scenarios.GatewayWorkload;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Several clusters in one box, Istio's multi-primary model: each cluster a {@link LocalMesh} with its own control
 * plane (its own ADS port, cluster id and network), registry, namespaces, ingress gateway and loopback block; one root
 * of trust with an intermediate CA per cluster ({@link ClusterCerts}, or the user's {@code cacerts}); every control
 * plane watching every other cluster's registry, as {@code istioctl create-remote-secret} makes it. When the clusters
 * are on more than one network, each cluster also runs an east-west gateway ({@code istio-eastwestgateway} in
 * {@code istio-system}, labels {@code istio: eastwestgateway}, {@code app: istio-eastwestgateway} and its network, as
 * {@code gen-eastwest-gateway.sh} deploys it) with Istio's {@code expose-services.yaml} Gateway applied; on one network
 * pods reach each other directly.
 *
 * <p>A workload is named in a cluster as {@code WORKLOAD@CLUSTER} ({@code sleep@cluster2}, {@code ingress@cluster2});
 * without {@code @} it is in the first cluster. Config applied to the mesh is applied to every cluster, as Istio's
 * multi-primary docs apply it to each cluster's API server.
 */
public final class MultiClusterMesh implements StartedMesh {

    /**
     * One cluster to start.
     *
     * @param network its network; clusters on the same network (or all without one) reach each other's pods directly
     * @param cacerts the user's Istio {@code cacerts} directory for it, or null for one generated under a shared root
     */
    public record ClusterSpec(String name, String network, MeshSpec mesh, Path cacerts) {
        public ClusterSpec {
            network = network == null ? "" : network;
        }

        public ClusterSpec(String name, String network, MeshSpec mesh) {
            this(name, network, mesh, null);
        }
    }

    /** Separates a workload from its cluster: {@code sleep@cluster2}. */
    public static final String CLUSTER_SEPARATOR = "@";

    private static final String DNS_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private static final String EXPOSE_SERVICES = "expose-services.yaml";

    private final Map<String, LocalMesh> clusters;
    private final Path generatedCerts;
    private GlobalNamesClusters globalNames;

    private MultiClusterMesh(Map<String, LocalMesh> clusters, Path generatedCerts) {
        this.clusters = clusters;
        this.generatedCerts = generatedCerts;
    }

    /**
     * Starts every cluster side by side and returns once each cluster's proxies have ACKed a config that includes the
     * other clusters' endpoints. The first cluster binds as {@code options} says (for {@code up}: xDS on 15010, the
     * ingress on 127.0.0.1:8080); the others on an ephemeral xDS port and their own loopback block.
     *
     * @throws IllegalArgumentException for a cluster name used twice or not a DNS label, or cacerts given to some
     *     clusters only
     */
    public static MultiClusterMesh start(List<ClusterSpec> specs, LocalOptions options, PrintStream progress)
            throws InterruptedException {
        return start(specs, MultiClusterModel.MULTI_PRIMARY, options, progress);
    }

    /** Starts the clusters in {@code model}: multi-primary, or the older {@code .global} model ({@link GlobalNamesClusters}). */
    public static MultiClusterMesh start(
            List<ClusterSpec> specs, MultiClusterModel model, LocalOptions options, PrintStream progress)
            throws InterruptedException {
        check(specs);
        StartupTrace.mark("clusters: starting");
        long t0 = System.nanoTime();
        Path generated = null;
        // Generated certificates are made while the clusters start their apps: a cluster needs its cacerts only when
        // it makes its control plane.
        CompletableFuture<Map<String, Path>> cacerts;
        if (specs.get(0).cacerts() == null) {
            try {
                generated = Files.createTempDirectory("meshbox-cacerts-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot make a directory for the clusters' certificates", e);
            }
            Path dir = generated;
            List<String> names = specs.stream().map(ClusterSpec::name).toList();
            cacerts = CompletableFuture.supplyAsync(
                    () -> {
                        Map<String, Path> made = ClusterCerts.generate(dir, names);
                        StartupTrace.mark("clusters: certificates ready");
                        return made;
                    },
                    ClusterStarts.THREAD_PER_CLUSTER);
        } else {
            Map<String, Path> given = new LinkedHashMap<>();
            specs.forEach(s -> given.put(s.name(), s.cacerts()));
            ClusterCerts.rootsNotShared(given).forEach(p -> progress.println("warning: " + p));
            cacerts = CompletableFuture.completedFuture(given);
        }
        boolean multiNetwork =
                specs.stream().map(ClusterSpec::network).distinct().count() > 1;
        List<CompletableFuture<LocalMesh>> starting = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            ClusterSpec c = specs.get(i);
            LocalOptions base = i == 0 ? options : LocalOptions.isolated(options.seed());
            MeshSpec mesh = model == MultiClusterModel.GLOBAL
                    ? GlobalNamesClusters.withPreconfigured(forCluster(c, i, false))
                    : forCluster(c, i, multiNetwork);
            ClusterMember member = new ClusterMember(c.name(), c.network());
            PrintStream out = PrefixedLines.of(progress, "[" + c.name() + "] ");
            Supplier<LocalOptions> clusterOptions = () -> base.withSecurity(
                    options.security().withCacerts(cacerts.join().get(c.name())));
            starting.add(CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            return LocalMesh.start(mesh, clusterOptions, member, out);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IllegalStateException("interrupted while starting cluster " + c.name(), e);
                        }
                    },
                    ClusterStarts.THREAD_PER_CLUSTER));
        }
        Map<String, LocalMesh> started = new LinkedHashMap<>();
        RuntimeException failure =
                ClusterStarts.joinAll(specs.stream().map(ClusterSpec::name).toList(), starting, started);
        StartupTrace.mark("clusters: every cluster started");
        MultiClusterMesh mesh = new MultiClusterMesh(started, generated);
        if (failure != null) {
            closeQuietly(mesh, failure);
            throw failure;
        }
        try {
            if (model == MultiClusterModel.GLOBAL) {
                mesh.globalNames = GlobalNamesClusters.start(started, progress);
            } else {
                mesh.exchangeRemoteSecrets();
            }
            progress.printf(
                    "%d clusters ready in %.1f s (%s)%n",
                    started.size(),
                    (System.nanoTime() - t0) / 1e9,
                    multiNetwork
                            ? "networks "
                                    + specs.stream()
                                            .map(ClusterSpec::network)
                                            .distinct()
                                            .toList()
                            : "one network");
            return mesh;
        } catch (RuntimeException e) {
            closeQuietly(mesh, e);
            throw e;
        }
    }

    private static void closeQuietly(MultiClusterMesh mesh, RuntimeException failure) {
        try {
            mesh.close();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /** Names unique DNS labels, cacerts for every cluster or for none. */
    public static void check(List<ClusterSpec> specs) {
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("clusters: at least one cluster is needed");
        }
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (int i = 0; i < specs.size(); i++) {
            ClusterSpec c = specs.get(i);
            if (c.name() == null || !c.name().matches(DNS_LABEL) || c.name().length() > 63) {
                throw new IllegalArgumentException("clusters[" + i + "].name: \"" + c.name()
                        + "\" must be a DNS label (a-z, 0-9, '-'), such as cluster1");
            }
            if (c.name().contains(CLUSTER_SEPARATOR)) {
                throw new IllegalArgumentException("clusters[" + i + "].name: must not contain '@'");
            }
            Integer before = seen.putIfAbsent(c.name(), i);
            if (before != null) {
                throw new IllegalArgumentException("clusters[" + i + "].name: cluster name \"" + c.name()
                        + "\" is used twice (clusters[" + before + "] and clusters[" + i
                        + "]); each cluster needs its own name, as its istiod's clusterName");
            }
            if (!c.network().isEmpty() && !c.network().matches(DNS_LABEL)) {
                throw new IllegalArgumentException("clusters[" + i + "].network: \"" + c.network()
                        + "\" must be a DNS label (a-z, 0-9, '-'), such as network1");
            }
            if ((c.cacerts() == null) != (specs.get(0).cacerts() == null)) {
                throw new IllegalArgumentException("clusters[" + i + "].cacerts: give cacerts to every cluster or to"
                        + " none (then MeshBox makes one root and an intermediate per cluster); "
                        + specs.get(0).name() + " has " + (specs.get(0).cacerts() == null ? "none" : "one")
                        + ", " + c.name() + " " + (c.cacerts() == null ? "none" : "one"));
            }
            if (c.cacerts() != null) {
                ClusterCerts.checkCacerts(c.name(), c.cacerts());
            }
        }
    }

    /**
     * The cluster's mesh: its pods labelled with the cluster and network (and, after the first cluster, named as
     * another cluster's pods are: the same Deployment, another hash), plus the east-west gateway when there are
     * several networks.
     */
    public static MeshSpec forCluster(ClusterSpec c, int index, boolean multiNetwork) {
        ClusterMember member = new ClusterMember(c.name(), c.network());
        Map<String, MeshService> services = new LinkedHashMap<>();
        c.mesh().services().forEach(s -> services.put(s.namespace() + "/" + s.name(), s));
        List<PodSpec> pods = new ArrayList<>();
        List<String> config = new ArrayList<>(c.mesh().defaultConfigNames());
        List<PodSpec> source = new ArrayList<>(c.mesh().pods());
        if (multiNetwork) {
            List<PodSpec> gateway = new ArrayList<>();
            GatewayPods.add(eastWestGateway(c.network()), services, gateway);
            source.addAll(gateway);
            config.add(EXPOSE_SERVICES);
        }
        for (PodSpec p : source) {
            pods.add(new PodSpec(
                    index == 0 ? p.name() : MeshSpec.podNameInCluster(p.name(), c.name()),
                    p.namespace(),
                    member.labels(p.labels()),
                    p.containerPort(),
                    p.appFactory(),
                    p.container(),
                    p.serviceAccount(),
                    p.sidecar()));
        }
        return new MeshSpec(List.copyOf(services.values()), pods, config);
    }

    /** Istio's {@code gen-eastwest-gateway.sh --network NET}: status 15021 and tls 15443. */
    static GatewayWorkload eastWestGateway(String network) {
        return new GatewayWorkload(
                "istio-eastwestgateway",
                GatewayWorkload.DEFAULT_NAMESPACE,
                Map.of(
                        Topology.EASTWEST_GATEWAY_LABEL,
                        Topology.EASTWEST_GATEWAY_VALUE,
                        "app",
                        "istio-eastwestgateway",
                        Topology.NETWORK,
                        network),
                List.of(Topology.EASTWEST_GATEWAY_PORT, 15021),
                "istio-eastwestgateway-service-account");
    }

    /**
     * Every control plane watches every other cluster's registry, then each cluster's proxies ACK the result. The
     * control planes take their remote secrets side by side: each rebuilds and pushes its own proxies only.
     */
    private void exchangeRemoteSecrets() {
        List<CompletableFuture<Void>> adding = new ArrayList<>();
        clusters.forEach((name, mesh) -> adding.add(CompletableFuture.runAsync(
                () -> clusters.forEach((other, remote) -> {
                    if (!other.equals(name)) {
                        mesh.controlPlane()
                                .addRemoteCluster(other, remote.controlPlane().registry());
                    }
                }),
                ClusterStarts.THREAD_PER_CLUSTER)));
        CompletableFuture.allOf(adding.toArray(CompletableFuture[]::new)).join();
        StartupTrace.mark("clusters: remote secrets added");
        clusters.values().forEach(LocalMesh::awaitConverged);
        StartupTrace.mark("clusters: converged with the other clusters' endpoints");
    }

    /** The {@code .global} model's DNS stubs and gateway endpoints; empty for a multi-primary mesh. */
    public Optional<GlobalNamesClusters> globalNames() {
        return Optional.ofNullable(globalNames);
    }

    /** The clusters by name, in the order given. */
    public Map<String, LocalMesh> clusters() {
        return java.util.Collections.unmodifiableMap(clusters);
    }

    /** A cluster by name; a clear error naming the clusters there are otherwise. */
    public LocalMesh cluster(String name) {
        LocalMesh mesh = clusters.get(name);
        if (mesh == null) {
            throw new IllegalArgumentException(
                    "no cluster \"" + name + "\" in this mesh; clusters: " + List.copyOf(clusters.keySet()));
        }
        return mesh;
    }

    /** A workload and the cluster it is in: {@code sleep@cluster2}, or {@code sleep} in the first cluster. */
    private record Placed(LocalMesh mesh, String workload) {}

    private Placed placed(String workload) {
        int at = workload.lastIndexOf(CLUSTER_SEPARATOR);
        if (at < 0) {
            // A pod's own name is unique across clusters (access-log entries name pods): its cluster; else the first.
            return new Placed(
                    clusters.values().stream()
                            .filter(m -> m.controlPlane().registry().snapshot().pods().values().stream()
                                    .anyMatch(p -> p.name().equals(workload)))
                            .findFirst()
                            .orElse(clusters.values().iterator().next()),
                    workload);
        }
        String cluster = workload.substring(at + 1);
        if (!clusters.containsKey(cluster)) {
            throw new IllegalArgumentException("workload \"" + workload + "\": no cluster \"" + cluster
                    + "\" in this mesh; clusters: " + List.copyOf(clusters.keySet()));
        }
        return new Placed(clusters.get(cluster), workload.substring(0, at));
    }

    private static boolean isIngress(Placed p) {
        return p.workload().equals("ingress");
    }

    @Override
    public ApplyOutcome apply(List<ConfigText> config) {
        List<String> changes = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<ConfigText> texts = globalNames == null ? config : globalNames.expand(config);
        clusters.forEach((name, mesh) -> {
            ApplyOutcome o = mesh.apply(texts);
            o.changes().forEach(c -> changes.add(name + ": " + c));
            o.problems().forEach(p -> problems.add(name + ": " + p));
        });
        return new ApplyOutcome(changes, problems);
    }

    @Override
    public void resetConfig() {
        clusters.values().forEach(LocalMesh::resetConfig);
    }

    /** The first cluster's ingress; {@code ingress@cluster2} names another's. */
    @Override
    public InetSocketAddress ingress() {
        return clusters.values().iterator().next().ingress();
    }

    /** The ingress of cluster {@code name}. */
    public InetSocketAddress ingress(String cluster) {
        return cluster(cluster).ingress();
    }

    @Override
    public InetSocketAddress outboundOf(String workload) {
        Placed p = placed(workload);
        return isIngress(p) ? p.mesh().ingress() : p.mesh().outboundOf(p.workload());
    }

    @Override
    public InetSocketAddress proxyPort(String workload, int podPort) {
        Placed p = placed(workload);
        return isIngress(p) ? p.mesh().proxyPort("ingress", podPort) : p.mesh().proxyPort(p.workload(), podPort);
    }

    @Override
    public boolean entersAtGateway(String workload) {
        Placed p = placed(workload);
        return (isIngress(p) && workload.contains(CLUSTER_SEPARATOR))
                || p.mesh().entersAtGateway(p.workload());
    }

    @Override
    public boolean hasSidecar(String workload) {
        Placed p = placed(workload);
        return !isIngress(p) && p.mesh().hasSidecar(p.workload());
    }

    @Override
    public InetSocketAddress directTarget(String workload, String host, int port) {
        Placed p = placed(workload);
        return p.mesh().directTarget(p.workload(), host, port);
    }

    @Override
    public Optional<ProxylessClient> proxylessClient(String workload) {
        Placed p = placed(workload);
        return p.mesh().proxylessClient(p.workload());
    }

    @Override
    public Optional<InetSocketAddress> adsServer() {
        return clusters.values().iterator().next().adsServer();
    }

    /** Every cluster's proxies' access logs; an entry's pod labels name its cluster ({@code topology.istio.io/cluster}). */
    @Override
    public List<LogEntry> accessLog() {
        return clusters.values().stream().flatMap(m -> m.accessLog().stream()).toList();
    }

    @Override
    public Optional<String> describeRouting(String workload, String host) {
        Placed p = placed(workload);
        return p.mesh().describeRouting(p.workload(), host);
    }

    @Override
    public Map<String, Long> counters(String workload) {
        Placed p = placed(workload);
        return p.mesh().counters(p.workload());
    }

    @Override
    public String proxyAdminPost(String workload, String path) {
        Placed p = placed(workload);
        return p.mesh().proxyAdminPost(p.workload(), path);
    }

    /** A pod of a workload in its cluster ({@code helloworld@cluster2}). */
    public LocalMesh.RunningPod pod(String workload) {
        Placed p = placed(workload);
        return p.mesh().pod(p.workload());
    }

    /** Stops every cluster, the last first, and removes the certificates made for them. */
    @Override
    public void close() {
        if (globalNames != null) {
            globalNames.close();
        }
        ClusterStarts.closeAll(clusters.values(), generatedCerts);
    }
}
