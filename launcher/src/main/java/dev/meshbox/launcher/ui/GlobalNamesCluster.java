package dev.meshbox.launcher.ui;

import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.config.ResourceKey;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.launcher.backend.GlobalNamesClusters;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.webui.UiMesh;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One cluster of a {@code .global} mesh as the UI's Config tab uses it: YAML applied to this cluster alone (as Istio's
 * docs {@code kubectl apply --context=$CTX_CLUSTER1} the ServiceEntry) has its gateway variables
 * ({@code ${CLUSTER2_GW_ADDR}}) replaced first, as config applied to every cluster has.
 */
final class GlobalNamesCluster implements UiMesh {

    private final UiMesh cluster;
    private final MeshAccess access;

    GlobalNamesCluster(UiMesh cluster, GlobalNamesClusters names) {
        this.cluster = cluster;
        this.access = new Expanding(cluster.access(), names);
    }

    @Override
    public MeshAccess access() {
        return access;
    }

    @Override
    public MeshAccess.ApplyOutcome delete(List<ResourceKey> keys) {
        return cluster.delete(keys);
    }

    @Override
    public ControlPlane controlPlane() {
        return cluster.controlPlane();
    }

    @Override
    public List<Pod> pods() {
        return cluster.pods();
    }

    @Override
    public String adminGet(Pod pod, String path) {
        return cluster.adminGet(pod, path);
    }

    @Override
    public String prometheus(Pod pod) {
        return cluster.prometheus(pod);
    }

    @Override
    public List<String> workloads() {
        return cluster.workloads();
    }

    @Override
    public List<String> missing(List<Scenario.Workload> wanted) {
        return cluster.missing(wanted);
    }

    /** The cluster's own access, its applies expanded. */
    private record Expanding(MeshAccess mesh, GlobalNamesClusters names) implements MeshAccess {
        @Override
        public ApplyOutcome apply(List<ConfigText> config) {
            return mesh.apply(names.expand(config));
        }

        @Override
        public void resetConfig() {
            mesh.resetConfig();
        }

        @Override
        public InetSocketAddress ingress() {
            return mesh.ingress();
        }

        @Override
        public InetSocketAddress outboundOf(String workload) {
            return mesh.outboundOf(workload);
        }

        @Override
        public InetSocketAddress proxyPort(String workload, int podPort) {
            return mesh.proxyPort(workload, podPort);
        }

        @Override
        public boolean hasSidecar(String workload) {
            return mesh.hasSidecar(workload);
        }

        @Override
        public InetSocketAddress directTarget(String workload, String host, int port) {
            return mesh.directTarget(workload, host, port);
        }

        @Override
        public boolean entersAtGateway(String workload) {
            return mesh.entersAtGateway(workload);
        }

        @Override
        public Optional<ProxylessClient> proxylessClient(String workload) {
            return mesh.proxylessClient(workload);
        }

        @Override
        public Optional<InetSocketAddress> adsServer() {
            return mesh.adsServer();
        }

        @Override
        public String proxyAdminPost(String workload, String path) {
            return mesh.proxyAdminPost(workload, path);
        }

        @Override
        public List<LogEntry> accessLog() {
            return mesh.accessLog();
        }

        @Override
        public Optional<String> describeRouting(String workload, String host) {
            return mesh.describeRouting(workload, host);
        }

        @Override
        public Map<String, Long> counters(String workload) {
            return mesh.counters(workload);
        }
    }
}
