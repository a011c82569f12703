package dev.meshbox.launcher.cli;

import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.registry.docker.DockerApi;
import dev.meshbox.controlplane.registry.docker.DockerRegistry;
import dev.meshbox.launcher.admin.AdminServer;
import dev.meshbox.launcher.backend.MeshControl;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.kube.KubeControlPlane;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code meshbox control-plane}: the control plane on its own, in istiod's place: ADS for the proxies, the admin API,
 * and the service registry read from the Docker engine (the docker backend's container) or from the Kubernetes API
 * (the kubernetes and k3s backends' Deployment, which also watches Istio's custom resources and serves the sidecar
 * injection and validation webhooks). Not for users to call by hand, hence hidden.
 */
@Command(
        name = "control-plane",
        hidden = true,
        mixinStandardHelpOptions = true,
        description =
                "Run the control plane alone, its registry fed by a Docker engine or a Kubernetes cluster (istiod's place).")
public final class ControlPlaneCommand implements Callable<Integer> {

    @CommandLine.Option(
            names = "--registry",
            defaultValue = "docker",
            paramLabel = "docker|kubernetes",
            description = "Where services, pods and (kubernetes) Istio config come from (default: ${DEFAULT-VALUE}).")
    String registryKind;

    @CommandLine.Option(
            names = "--mesh",
            description = "docker: the mesh id; containers labelled dev.meshbox.mesh=ID are its pods.")
    String meshId;

    @CommandLine.Option(
            names = "--network",
            description = "docker: the mesh's Docker network (pod IPs and aliases are read on it).")
    String network;

    @CommandLine.Option(
            names = "--watch-namespace",
            paramLabel = "NS",
            description = "kubernetes: a namespace whose Istio resources are config (repeat it; default: all).")
    List<String> watchNamespaces = new ArrayList<>();

    @CommandLine.Option(
            names = "--webhook",
            defaultValue = "0.0.0.0:15017",
            description = "kubernetes: where the injection and validation webhooks listen (HTTPS).")
    String webhook;

    @CommandLine.Option(
            names = "--tls-dir",
            defaultValue = "/var/run/secrets/meshbox-webhook",
            description = "kubernetes: the webhook's tls.crt and tls.key (PEM), mounted from a Secret.")
    String tlsDir;

    @CommandLine.Option(
            names = "--cluster-id",
            defaultValue = "${env:CLUSTER_ID:-Kubernetes}",
            description =
                    "kubernetes: this cluster's id, as istiod's CLUSTER_ID (default: ${DEFAULT-VALUE}); its network"
                            + " is istio-system's topology.istio.io/network label.")
    String clusterId;

    @CommandLine.Option(names = "--inject-image", description = "kubernetes: the image injected sidecars run.")
    String injectImage;

    @CommandLine.Option(
            names = "--inject-xds",
            defaultValue = "istiod.istio-system.svc:15010",
            description = "kubernetes: the ADS address injected sidecars use.")
    String injectXds;

    @CommandLine.Option(
            names = "--xds",
            defaultValue = "127.0.0.1:15010",
            description = "Where ADS listens (default: ${DEFAULT-VALUE}).")
    String xds;

    @CommandLine.Option(
            names = "--admin",
            defaultValue = "127.0.0.1:15014",
            description = "Where the admin API listens (default: ${DEFAULT-VALUE}).")
    String admin;

    @CommandLine.Option(
            names = "--default-config",
            paramLabel = "NAME",
            description = "A bundled config applied at start and kept by reset, e.g. bookinfo-gateway.yaml.")
    List<String> defaultConfig = new ArrayList<>();

    @CommandLine.Option(
            names = "--mesh-config-yaml",
            paramLabel = "YAML",
            description = "docker: the mesh config (as the istio ConfigMap's data.mesh), e.g. outboundTrafficPolicy.")
    String meshConfigYaml;

    @CommandLine.Option(
            names = "--cluster-network",
            description =
                    "docker: this cluster's network, with --cluster-id (Istio's global.network, topology.istio.io/network).")
    String clusterNetwork;

    @CommandLine.Option(
            names = "--cacerts",
            paramLabel = "DIR",
            description = "Istio's plug-in CA (ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem); kubernetes:"
                    + " where the optional cacerts Secret is mounted, used when it holds ca-key.pem, as istiod does.")
    Path cacerts;

    @CommandLine.Option(
            names = "--remote",
            paramLabel = "CLUSTER=MESH/NETWORK",
            description = "docker: another cluster's pods and services to watch (a remote secret), repeatable.")
    List<String> remotes = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        InetSocketAddress xdsBind = address("--xds", xds);
        InetSocketAddress adminBind = address("--admin", admin);
        if (registryKind.equals("kubernetes")) {
            return kubernetes(xdsBind, adminBind);
        }
        if (!registryKind.equals("docker")) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--registry " + registryKind + ": expected docker or kubernetes");
        }
        if (meshId == null || network == null) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--registry docker needs --mesh and --network");
        }
        dev.meshbox.controlplane.security.MeshConfigFile.Settings meshConfig;
        try {
            meshConfig = meshConfigYaml == null
                    ? dev.meshbox.controlplane.security.MeshConfigFile.Settings.DEFAULTS
                    : dev.meshbox.controlplane.security.MeshConfigFile.read("--mesh-config-yaml", meshConfigYaml);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        dev.meshbox.controlplane.security.SecurityOptions security =
                meshConfig.applyTo(dev.meshbox.controlplane.security.SecurityOptions.DEFAULTS);
        ControlPlane controlPlane = new ControlPlane(cacerts == null ? security : security.withCacerts(cacerts));
        if (clusterNetwork != null || !"Kubernetes".equals(clusterId)) {
            controlPlane.clusterIdentity(clusterId, clusterNetwork == null ? "" : clusterNetwork);
        }
        List<DockerRemoteClusters.Remote> remoteClusters;
        try {
            remoteClusters = DockerRemoteClusters.parse(remotes);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        controlPlane.start(xdsBind);
        MeshControl control = new MeshControl(controlPlane);
        for (String name : defaultConfig) {
            control.applyDefaults(List.of(MeshSpec.bundled(name)), name);
        }
        DockerRegistry registry = new DockerRegistry(
                DockerApi.of(System.getenv("DOCKER_HOST")), meshId, network, controlPlane.registry());
        try {
            registry.start();
        } catch (java.io.IOException e) {
            controlPlane.close();
            spec.commandLine()
                    .getErr()
                    .println("error: cannot read the Docker engine for the registry: " + e.getMessage()
                            + " (the control plane needs the engine's socket mounted, or DOCKER_HOST)");
            return 1;
        }
        DockerRemoteClusters watched =
                DockerRemoteClusters.watch(System.getenv("DOCKER_HOST"), network, remoteClusters, controlPlane);
        AdminServer server = new AdminServer(control, adminBind.getHostString(), adminBind.getPort());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            server.close();
                            watched.close();
                            registry.close();
                            controlPlane.close();
                            stopped.countDown();
                        },
                        "control-plane-shutdown"));
        System.out.printf("control plane: mesh %s, network %s, xDS on %s, admin on %s%n", meshId, network, xds, admin);
        stopped.await();
        return 0;
    }

    /** istiod on Kubernetes: registry and config from the API (in-cluster credentials), the webhooks, the admin API. */
    private int kubernetes(InetSocketAddress xdsBind, InetSocketAddress adminBind) throws Exception {
        if (injectImage == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--registry kubernetes needs --inject-image");
        }
        InetSocketAddress webhookBind = address("--webhook", webhook);
        KubeControlPlane cp;
        KubernetesClient client = new KubernetesClientBuilder().build();
        try {
            cp = KubeControlPlane.start(
                    client,
                    new KubeControlPlane.Settings(
                            xdsBind,
                            adminBind,
                            webhookBind,
                            Path.of(tlsDir),
                            injectImage,
                            injectXds,
                            watchNamespaces,
                            defaultConfig,
                            clusterId,
                            cacerts));
        } catch (RuntimeException | java.io.IOException e) {
            client.close();
            spec.commandLine()
                    .getErr()
                    .println("error: the control plane cannot start on Kubernetes: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            try {
                                cp.close();
                            } catch (RuntimeException e) {
                                System.err.println("control plane: " + e.getMessage());
                            } finally {
                                client.close();
                                stopped.countDown();
                            }
                        },
                        "control-plane-shutdown"));
        System.out.printf(
                "control plane: Kubernetes registry, Istio config from %s, xDS on %s, admin on %s, webhooks on %s%n",
                watchNamespaces.isEmpty() ? "all namespaces" : "namespaces " + watchNamespaces, xds, admin, webhook);
        stopped.await();
        return 0;
    }

    private InetSocketAddress address(String option, String value) {
        int colon = value.lastIndexOf(':');
        try {
            return new InetSocketAddress(value.substring(0, colon), Integer.parseInt(value.substring(colon + 1)));
        } catch (RuntimeException e) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), option + " " + value + ": expected HOST:PORT, e.g. 0.0.0.0:15010");
        }
    }
}
