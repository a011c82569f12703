package dev.meshbox.launcher.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import dev.meshbox.controlplane.config.GlobalNames;
import dev.meshbox.controlplane.registry.Topology;
import dev.meshbox.launcher.backend.ClusterCerts;
import dev.meshbox.launcher.backend.GlobalNamesClusters;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.backend.MultiClusterMesh;
import dev.meshbox.launcher.backend.MultiClusterMesh.ClusterSpec;
import dev.meshbox.launcher.backend.MultiClusterModel;
import dev.meshbox.launcher.backend.StartedMesh;
import dev.meshbox.launcher.lifecycle.Wait;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Several clusters on the docker backend, Istio's multi-primary model on different networks: each cluster a
 * {@link DockerMesh} on a Docker network of its own, with its own istiod container (its cluster id and network, its
 * intermediate CA mounted as Istio's {@code cacerts}, one root for all), its pods labelled with their cluster and
 * network, and an east-west gateway. Each istiod also watches the other clusters' pods and services through the same
 * engine, filtered by their mesh id and network (the remote secret's equivalent). The east-west gateway of a cluster is
 * attached to its own network and to every other cluster's, so they reach it on 15443; no other pod is: a pod of one
 * cluster cannot reach a pod of another directly, nor is an istiod attached across (attaching a container to a
 * network whose name sorts first moves its default route and its published ports there).
 *
 * <p>Workloads are named as on the local backend: {@code sleep@cluster2}; without {@code @}, the first cluster's.
 */
public final class DockerClusters implements StartedMesh {

    /** Where the istiod container finds its plug-in CA, as Istio mounts the {@code cacerts} Secret. */
    static final String CACERTS = "/etc/cacerts";

    private static final Duration READY = Duration.ofSeconds(120);
    private static final String EASTWEST = "istio-eastwestgateway";

    /** One cluster's place, given to its {@link DockerMesh}. */
    record Member(String clusterId, String network, Path cacerts, List<String> remotes) {

        List<String> controlPlaneArgs() {
            List<String> args = new ArrayList<>(List.of("--cluster-id", clusterId, "--cluster-network", network));
            if (cacerts != null) {
                args.addAll(List.of("--cacerts", CACERTS));
            }
            remotes.forEach(r -> args.addAll(List.of("--remote", r)));
            return args;
        }
    }

    /** A fresh mesh id: six hex digits, in container labels and the network's name. */
    static String newMeshId() {
        return java.util.HexFormat.of()
                .toHexDigits(java.util.concurrent.ThreadLocalRandom.current().nextInt())
                .substring(2);
    }

    /** The control plane container's binds plus the cluster's cacerts, read-only. */
    static Bind[] withCacerts(Bind[] binds, Member member) {
        List<Bind> out = new ArrayList<>(binds == null ? List.of() : List.of(binds));
        if (member.cacerts() != null) {
            out.add(new Bind(member.cacerts().toAbsolutePath().toString(), new Volume(CACERTS), AccessMode.ro));
        }
        return out.toArray(Bind[]::new);
    }

    private final Map<String, DockerMesh> clusters;
    private final Path generatedCerts;
    /** Containers attached to another cluster's network: container name to network. */
    private final List<String[]> crossAttached = new ArrayList<>();

    /** The {@code .global} model: ingress gateways cross networks, {@code ${CLUSTERn_GW_ADDR}} names them. */
    private final boolean global;

    private DockerClusters(Map<String, DockerMesh> clusters, Path generatedCerts, boolean global) {
        this.clusters = clusters;
        this.generatedCerts = generatedCerts;
        this.global = global;
    }

    /**
     * Starts the clusters side by side and returns once each istiod sees the other clusters' ready pods and every
     * proxy has ACKed the result; on failure nothing is left behind. The first cluster publishes as {@code options}
     * says, the others on free ports.
     *
     * @throws IllegalArgumentException for clusters {@link MultiClusterMesh#check} refuses
     */
    public static DockerClusters start(List<ClusterSpec> specs, DockerMesh.Options options, PrintStream progress)
            throws InterruptedException {
        return start(specs, MultiClusterModel.MULTI_PRIMARY, options, progress);
    }

    /**
     * As above, in {@code model}: multi-primary, or Istio's older {@code .global} model (no remote secrets; in each
     * cluster the preconfigured {@code *.global} Gateway on the ingress gateway's 15443 and DestinationRule, each
     * ingress gateway attached to the other clusters' networks, where {@code ${CLUSTERn_GW_ADDR}} names it).
     */
    public static DockerClusters start(
            List<ClusterSpec> specs, MultiClusterModel model, DockerMesh.Options options, PrintStream progress)
            throws InterruptedException {
        MultiClusterMesh.check(specs);
        boolean global = model == MultiClusterModel.GLOBAL;
        long t0 = System.nanoTime();
        // Once, before the clusters start side by side: two builds of one tag at once would race.
        dev.meshbox.launcher.image.AppImage.ensure(dev.meshbox.launcher.engine.DockerEngine.client(), progress);
        Path generated = null;
        Map<String, Path> cacerts = new LinkedHashMap<>();
        if (specs.get(0).cacerts() == null) {
            try {
                generated = Files.createTempDirectory("meshbox-cacerts-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot make a directory for the clusters' certificates", e);
            }
            cacerts.putAll(ClusterCerts.generate(
                    generated, specs.stream().map(ClusterSpec::name).toList()));
        } else {
            specs.forEach(s -> cacerts.put(s.name(), s.cacerts()));
            ClusterCerts.rootsNotShared(cacerts).forEach(p -> progress.println("warning: " + p));
        }
        Map<String, String> meshIds = new LinkedHashMap<>();
        specs.forEach(s -> meshIds.put(s.name(), newMeshId()));
        boolean multiNetwork =
                specs.stream().map(ClusterSpec::network).distinct().count() > 1;
        List<CompletableFuture<DockerMesh>> starting = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            ClusterSpec c = specs.get(i);
            List<String> remotes = new ArrayList<>();
            meshIds.forEach((name, id) -> {
                if (!global && !name.equals(c.name())) {
                    remotes.add(name + "=" + id + "/" + MeshNetwork.nameOf(id));
                }
            });
            Member member = new Member(c.name(), c.network(), cacerts.get(c.name()), remotes);
            MeshSpec mesh = global
                    ? GlobalNamesClusters.withPreconfigured(MultiClusterMesh.forCluster(c, i, false))
                    : MultiClusterMesh.forCluster(c, i, multiNetwork);
            DockerMesh.Options o = i == 0
                    ? options
                    : DockerMesh.Options.isolated(options.seed()).withMeshConfig(options.meshConfig());
            PrintStream out = dev.meshbox.launcher.backend.PrefixedLines.of(progress, "[" + c.name() + "] ");
            String meshId = meshIds.get(c.name());
            starting.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return DockerMesh.start(mesh, o, meshId, member, out);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while starting cluster " + c.name(), e);
                }
            }));
        }
        Map<String, DockerMesh> started = new LinkedHashMap<>();
        RuntimeException failure = dev.meshbox.launcher.backend.ClusterStarts.joinAll(
                specs.stream().map(ClusterSpec::name).toList(), starting, started);
        DockerClusters mesh = new DockerClusters(started, generated, global);
        try {
            if (failure != null) {
                throw failure;
            }
            mesh.attachAcrossNetworks(multiNetwork);
            if (global) {
                mesh.printGatewayAddresses(progress);
            } else {
                mesh.awaitRemoteEndpoints();
            }
            progress.printf(
                    "%d clusters ready in %.1f s (docker networks %s)%n",
                    started.size(),
                    (System.nanoTime() - t0) / 1e9,
                    started.values().stream().map(DockerMesh::network).toList());
            return mesh;
        } catch (RuntimeException | InterruptedException e) {
            try {
                mesh.close();
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    /** Each east-west gateway (in the {@code .global} model, each ingress gateway) joins every other cluster's network. */
    private void attachAcrossNetworks(boolean multiNetwork) {
        for (DockerMesh mesh : clusters.values()) {
            List<String> containers = new ArrayList<>();
            if (global) {
                containers.add(mesh.ingressGateway().container());
            } else if (multiNetwork) {
                mesh.pods().stream()
                        .filter(p -> Topology.EASTWEST_GATEWAY_VALUE.equals(
                                p.spec().labels().get(Topology.EASTWEST_GATEWAY_LABEL)))
                        .forEach(p -> mesh.gatewayContainer(p.spec().name()).ifPresent(containers::add));
            }
            for (DockerMesh other : clusters.values()) {
                if (other == mesh) {
                    continue;
                }
                for (String container : containers) {
                    mesh.docker()
                            .connectToNetworkCmd()
                            .withContainerId(container)
                            .withNetworkId(other.network())
                            .exec();
                    crossAttached.add(new String[] {container, other.network()});
                }
            }
            containers.forEach(mesh::republished);
        }
    }

    /**
     * The {@code .global} model's gateway addresses: a cluster's ingress gateway on each other cluster's network, port
     * 15443, which that cluster's ServiceEntries name as {@code ${CLUSTERn_GW_ADDR}}.
     */
    private void printGatewayAddresses(PrintStream progress) {
        for (String cluster : clusters.keySet()) {
            for (String from : clusters.keySet()) {
                if (!from.equals(cluster)) {
                    progress.printf(
                            "[%s] ServiceEntries in %s reach this cluster at endpoint address %s (${%s}), ports {<port"
                                    + " name>: %d}%n",
                            cluster,
                            from,
                            gatewayAddress(cluster, from),
                            GlobalNamesClusters.gatewayVariable(cluster),
                            GlobalNames.GATEWAY_PORT);
                }
            }
        }
    }

    /** {@code cluster}'s ingress gateway's IP on {@code from}'s network. */
    private String gatewayAddress(String cluster, String from) {
        DockerMesh mesh = cluster(cluster);
        return mesh.docker()
                .inspectContainerCmd(mesh.ingressGateway().container())
                .exec()
                .getNetworkSettings()
                .getNetworks()
                .get(cluster(from).network())
                .getIpAddress();
    }

    /** {@code text} as cluster {@code in} reads it: each {@code ${CLUSTERn_GW_ADDR}} that gateway's address there. */
    private String expandGateways(String text, String in) {
        String out = text;
        for (String cluster : clusters.keySet()) {
            String variable = "${" + GlobalNamesClusters.gatewayVariable(cluster) + "}";
            if (out.contains(variable)) {
                out = out.replace(
                        variable,
                        cluster.equals(in) ? cluster(cluster).ingressGateway().ip() : gatewayAddress(cluster, in));
            }
        }
        return out;
    }

    /**
     * Each istiod sees every other cluster's ready pods (its east-west gateway at its address on this network, its
     * other gateways not: they are on no network of this cluster), then every proxy ACKs the result.
     */
    private void awaitRemoteEndpoints() throws InterruptedException {
        Wait.atMost(READY).pollingEvery(Duration.ofMillis(200)).until("every cluster sees the others' pods", () -> {
            for (Map.Entry<String, DockerMesh> c : clusters.entrySet()) {
                Optional<String> deaths = c.getValue().deaths();
                if (deaths.isPresent()) {
                    throw new IllegalStateException(c.getKey() + ": " + deaths.get());
                }
            }
            try {
                return remoteEndpointsMissing();
            } catch (IllegalStateException e) {
                return Optional.of(e.getMessage());
            }
        });
    }

    private Optional<String> remoteEndpointsMissing() {
        for (Map.Entry<String, DockerMesh> c : clusters.entrySet()) {
            JsonNode seen = c.getValue().adminClient().remoteClusters();
            for (Map.Entry<String, DockerMesh> o : clusters.entrySet()) {
                if (o.getKey().equals(c.getKey())) {
                    continue;
                }
                Set<String> have = new HashSet<>();
                seen.path(o.getKey()).forEach(n -> have.add(n.asText()));
                for (JsonNode p : o.getValue().adminClient().pods()) {
                    boolean crossNetworkGateway = p.path("role").asText().equals("gateway")
                            && !EASTWEST.equals(p.path("labels").path("app").asText());
                    String name = p.path("name").asText();
                    if (p.path("ready").asBoolean() && !crossNetworkGateway && !have.contains(name)) {
                        return Optional.of(c.getKey() + "'s control plane does not see " + o.getKey() + "'s pod " + name
                                + " ready yet");
                    }
                }
            }
        }
        for (Map.Entry<String, DockerMesh> c : clusters.entrySet()) {
            Optional<String> lagging = c.getValue().adminClient().lagging();
            if (lagging.isPresent()) {
                return Optional.of(c.getKey() + ": " + lagging.get());
            }
        }
        return Optional.empty();
    }

    /** The clusters by name, in the order given. */
    public Map<String, DockerMesh> clusters() {
        return java.util.Collections.unmodifiableMap(clusters);
    }

    /** A cluster by name; a clear error naming the clusters there are otherwise. */
    public DockerMesh cluster(String name) {
        DockerMesh mesh = clusters.get(name);
        if (mesh == null) {
            throw new IllegalArgumentException(
                    "no cluster \"" + name + "\" in this mesh; clusters: " + List.copyOf(clusters.keySet()));
        }
        return mesh;
    }

    private record Placed(DockerMesh mesh, String workload) {}

    private Placed placed(String workload) {
        int at = workload.lastIndexOf(MultiClusterMesh.CLUSTER_SEPARATOR);
        if (at < 0) {
            // A pod's own name is unique across clusters: its cluster; else the first.
            return new Placed(
                    clusters.values().stream()
                            .filter(m -> m.pods().stream()
                                    .anyMatch(p -> p.spec().name().equals(workload)))
                            .findFirst()
                            .orElse(clusters.values().iterator().next()),
                    workload);
        }
        return new Placed(cluster(workload.substring(at + 1)), workload.substring(0, at));
    }

    @Override
    public ApplyOutcome apply(List<ConfigText> config) {
        List<String> changes = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        clusters.forEach((name, mesh) -> {
            ApplyOutcome o = mesh.apply(
                    global
                            ? config.stream()
                                    .map(c -> new ConfigText(c.name(), expandGateways(c.text(), name)))
                                    .toList()
                            : config);
            o.changes().forEach(c -> changes.add(name + ": " + c));
            o.problems().forEach(p -> problems.add(name + ": " + p));
        });
        return new ApplyOutcome(changes, problems);
    }

    @Override
    public void resetConfig() {
        clusters.values().forEach(DockerMesh::resetConfig);
    }

    @Override
    public InetSocketAddress ingress() {
        return clusters.values().iterator().next().ingress();
    }

    @Override
    public InetSocketAddress outboundOf(String workload) {
        Placed p = placed(workload);
        return p.workload().equals("ingress") ? p.mesh().ingress() : p.mesh().outboundOf(p.workload());
    }

    @Override
    public InetSocketAddress proxyPort(String workload, int podPort) {
        Placed p = placed(workload);
        return p.mesh().proxyPort(p.workload(), podPort);
    }

    @Override
    public boolean entersAtGateway(String workload) {
        Placed p = placed(workload);
        return (p.workload().equals("ingress") && workload.contains(MultiClusterMesh.CLUSTER_SEPARATOR))
                || p.mesh().entersAtGateway(p.workload());
    }

    @Override
    public boolean hasSidecar(String workload) {
        Placed p = placed(workload);
        return !p.workload().equals("ingress") && p.mesh().hasSidecar(p.workload());
    }

    @Override
    public InetSocketAddress directTarget(String workload, String host, int port) {
        Placed p = placed(workload);
        return p.mesh().directTarget(p.workload(), host, port);
    }

    @Override
    public Optional<InetSocketAddress> adsServer() {
        return clusters.values().iterator().next().adsServer();
    }

    @Override
    public String proxyAdminPost(String workload, String path) {
        Placed p = placed(workload);
        return p.mesh().proxyAdminPost(p.workload(), path);
    }

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

    /** Detaches what crossed networks, then stops every cluster, the last first, and removes the certificates made. */
    @Override
    public void close() {
        DockerClient docker =
                clusters.isEmpty() ? null : clusters.values().iterator().next().docker();
        for (String[] attached : crossAttached) {
            try {
                docker.disconnectFromNetworkCmd()
                        .withContainerId(attached[0])
                        .withNetworkId(attached[1])
                        .withForce(true)
                        .exec();
            } catch (RuntimeException e) {
                // gone already: its network goes with its cluster
            }
        }
        dev.meshbox.launcher.backend.ClusterStarts.closeAll(clusters.values(), generatedCerts);
    }
}
