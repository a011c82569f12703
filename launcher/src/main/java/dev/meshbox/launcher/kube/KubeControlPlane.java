package dev.meshbox.launcher.kube;

import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.kubernetes.AdmissionWebhook;
import dev.meshbox.controlplane.kubernetes.IstioConfigWatcher;
import dev.meshbox.controlplane.kubernetes.IstioConfigWriter;
import dev.meshbox.controlplane.kubernetes.MeshConfigWatcher;
import dev.meshbox.controlplane.kubernetes.SidecarInjector;
import dev.meshbox.controlplane.registry.Topology;
import dev.meshbox.controlplane.registry.kubernetes.KubernetesRegistry;
import dev.meshbox.controlplane.registry.kubernetes.NetworkLabelWatcher;
import dev.meshbox.controlplane.registry.kubernetes.RemoteSecretController;
import dev.meshbox.controlplane.security.SecurityOptions;
import dev.meshbox.launcher.admin.AdminServer;
import dev.meshbox.launcher.backend.MeshControl;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.lifecycle.CleanupStack;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * The control plane as it runs in a cluster, in istiod's place: services, pods and labels from the Kubernetes API
 * (informers), other clusters' endpoints through Istio's remote secrets ({@link RemoteSecretController}), the mesh config from ConfigMap {@code istio-system/istio} (watched), Istio's config from its custom resources (config applied through the mesh is written there too), ADS
 * for the proxies, the injection and validation webhooks on HTTPS, the admin API, and the deployment of a gateway for
 * each Gateway API Gateway ({@link KubeGatewayDeployments}).
 */
public final class KubeControlPlane implements AutoCloseable {

    /**
     * @param webhook     where the webhooks listen; null for none
     * @param tlsDir      the webhook's {@code tls.crt} and {@code tls.key}
     * @param injectImage the image injected sidecars run; {@code injectXds} the ADS address they use
     * @param namespaces  whose Istio resources are config (all when empty)
     * @param clusterId   this cluster's id (Istio's {@code CLUSTER_ID}, {@code values.global.multiCluster.clusterName});
     *                    its network is the {@code topology.istio.io/network} label of {@code istio-system}
     * @param cacerts     where istiod's Deployment mounts Istio's {@code cacerts} Secret: its plug-in CA when the
     *                    Secret is there ({@link #pluggedIn}), else a root of its own; null for the latter
     */
    public record Settings(
            InetSocketAddress xds,
            InetSocketAddress admin,
            InetSocketAddress webhook,
            Path tlsDir,
            String injectImage,
            String injectXds,
            List<String> namespaces,
            List<String> defaultConfig,
            String clusterId,
            Path cacerts) {
        public Settings(
                InetSocketAddress xds,
                InetSocketAddress admin,
                InetSocketAddress webhook,
                Path tlsDir,
                String injectImage,
                String injectXds,
                List<String> namespaces,
                List<String> defaultConfig,
                String clusterId) {
            this(xds, admin, webhook, tlsDir, injectImage, injectXds, namespaces, defaultConfig, clusterId, null);
        }

        /** A single cluster: Istio's default cluster id. */
        public Settings(
                InetSocketAddress xds,
                InetSocketAddress admin,
                InetSocketAddress webhook,
                Path tlsDir,
                String injectImage,
                String injectXds,
                List<String> namespaces,
                List<String> defaultConfig) {
            this(
                    xds,
                    admin,
                    webhook,
                    tlsDir,
                    injectImage,
                    injectXds,
                    namespaces,
                    defaultConfig,
                    Topology.DEFAULT_CLUSTER_ID);
        }
    }

    private final CleanupStack open = new CleanupStack("the control plane");
    private ControlPlane controlPlane;
    private MeshControl control;
    private AdminServer admin;
    private AdmissionWebhook webhook;

    private KubeControlPlane() {}

    /** Starts everything or nothing: a failure closes what was started and says what failed. */
    public static KubeControlPlane start(KubernetesClient client, Settings s) throws IOException {
        KubeControlPlane cp = new KubeControlPlane();
        try {
            cp.controlPlane = new ControlPlane(
                            pluggedIn(s.cacerts())
                                    ? SecurityOptions.DEFAULTS.withCacerts(s.cacerts())
                                    : SecurityOptions.DEFAULTS)
                    .clusterIdentity(s.clusterId(), RemoteSecrets.systemNetwork(client, RemoteSecrets.SYSTEM));
            cp.controlPlane.start(s.xds());
            cp.open.push("the control plane's xDS server", cp.controlPlane);
            ControlPlane plane = cp.controlPlane;
            cp.open.push(
                    "the watch of the mesh config (ConfigMap istio-system/istio)",
                    new MeshConfigWatcher(client, plane::meshConfig).start());
            cp.open.push(
                    "the watch of istio-system's network label",
                    new NetworkLabelWatcher(client, RemoteSecrets.SYSTEM, network -> {
                                if (!network.equals(plane.network())) {
                                    plane.clusterIdentity(plane.clusterId(), network);
                                }
                            })
                            .start());
            cp.open.push(
                    "the registry's informers", new KubernetesRegistry(client, cp.controlPlane.registry()).start());
            cp.open.push(
                    "the watch of remote secrets",
                    new RemoteSecretController(client, RemoteSecrets.SYSTEM, RemoteSecrets.clustersOf(plane)).start());
            IstioConfigWatcher watcher =
                    new IstioConfigWatcher(client, cp.controlPlane.config(), s.namespaces()).start();
            cp.open.push("the watch of Istio's resources", watcher);
            cp.control =
                    new MeshControl(cp.controlPlane, new IstioConfigWriter(client, cp.controlPlane.config(), watcher));
            cp.open.push(
                    "the deployments of Gateway API Gateways",
                    new KubeGatewayDeployments(client, cp.controlPlane.config(), s.injectImage(), s.injectXds())
                            .start());
            for (String name : s.defaultConfig()) {
                cp.control.applyDefaults(List.of(MeshSpec.bundled(name)), name);
            }
            if (s.webhook() != null) {
                cp.webhook = AdmissionWebhook.start(
                        s.webhook(),
                        s.tlsDir().resolve("tls.crt"),
                        s.tlsDir().resolve("tls.key"),
                        new SidecarInjector(new SidecarInjector.Settings(s.injectImage(), s.injectXds(), 1337)));
                cp.open.push("the webhooks", cp.webhook);
            }
            cp.admin = new AdminServer(
                    cp.control, s.admin().getHostString(), s.admin().getPort());
            cp.open.push("the admin API", cp.admin);
            return cp;
        } catch (RuntimeException | IOException e) {
            try {
                cp.close();
            } catch (RuntimeException cleanupFailure) {
                e.addSuppressed(cleanupFailure);
            }
            throw e;
        }
    }

    /**
     * Whether the mounted {@code cacerts} Secret is there, as istiod decides: its signing key present
     * ({@code ca-key.pem}); the Secret is optional, so without it the directory is empty or missing.
     */
    static boolean pluggedIn(Path cacerts) {
        return cacerts != null && java.nio.file.Files.isRegularFile(cacerts.resolve("ca-key.pem"));
    }

    public MeshControl control() {
        return control;
    }

    public int xdsPort() {
        return controlPlane.xdsPort();
    }

    public int adminPort() {
        return admin.port();
    }

    /** Stops everything it started, last first; throws, naming each, when something failed to stop. */
    @Override
    public void close() {
        open.close();
    }
}
