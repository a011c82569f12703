package dev.meshbox.launcher.kube;

import static dev.meshbox.launcher.kube.KubeClusterIdentity.SINGLE;

import dev.meshbox.controlplane.kubernetes.IstioConfigWriter;
import dev.meshbox.controlplane.kubernetes.IstioCrds;
import dev.meshbox.controlplane.security.MeshConfigFile;
import dev.meshbox.launcher.admin.AdminServer;
import dev.meshbox.launcher.admin.RemoteMesh;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.backend.PodSpec;
import dev.meshbox.launcher.lifecycle.Wait;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.LocalPortForward;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A mesh on a Kubernetes cluster (any cluster from a kubeconfig, or k3s in a container): Istio's CRDs (installed when
 * missing), MeshBox's control plane as istiod in {@code istio-system} (registry and config from the API, the
 * sidecar-injection and validation webhooks), the ingress gateway, and the workloads in their namespaces
 * ({@code default}, or {@code foo}, {@code bar}, {@code legacy} as Istio's security tasks have them; created where
 * missing), labelled {@code istio-injection=enabled} so the webhook adds their sidecars, except a namespace whose pods
 * all run without one; such a pod says {@code sidecar.istio.io/inject: "false"}. The host reaches the control plane, the gateway
 * and sidecars through the API server's port-forwarding, as {@code kubectl port-forward} does.
 *
 * <p>Before creating anything it checks that the cluster answers, that no Istio (nor another MeshBox) owns
 * {@code istio-system}, and that RBAC allows every write; if a step fails later, everything created so far is deleted
 * again. {@link #close()} deletes what the mesh created and restores the namespace label it changed.
 */
public final class KubeMesh extends RemoteMesh {

    /** The label on everything a mesh creates, and the mesh id's label. */
    public static final String MANAGED_BY = IstioConfigWriter.MANAGED_BY;
    /** The image of Istio's Prometheus addon, as {@code samples/addons/prometheus.yaml} names it. */
    public static final String PROMETHEUS_IMAGE = PrometheusManifest.IMAGE;

    public static final String MESH = "meshbox.dev/mesh";
    static final String SYSTEM = "istio-system";
    static final String WORKLOADS = "default";
    static final String INJECTION = "istio-injection";

    /** How often the API server is asked while waiting: it may be shared, and pods take seconds anyway. */
    private static final Duration POLL = Duration.ofMillis(500);

    /**
     * @param image       MeshBox's image as the cluster's nodes pull it
     * @param ingressPort local port (on 127.0.0.1) forwarded to the ingress gateway's 8080; 0 picks a free one
     * @param adminPort   local port forwarded to the control plane's admin API (15014); 0 picks a free one
     * @param ready       how long pods may take to become ready (image pulls included)
     * @param meshConfig  the mesh config, written to ConfigMap istio-system/istio
     * @param cluster     the cluster's id, network and plug-in CA ({@link KubeClusterIdentity#SINGLE}: Istio's defaults)
     */
    public record Options(
            String image,
            OptionalLong seed,
            int ingressPort,
            int adminPort,
            Duration ready,
            MeshConfigFile.Settings meshConfig,
            KubeClusterIdentity cluster) {
        public Options(String image, OptionalLong seed, int ingressPort, int adminPort, Duration ready) {
            this(image, seed, ingressPort, adminPort, ready, MeshConfigFile.Settings.DEFAULTS, SINGLE);
        }

        public Options withMeshConfig(MeshConfigFile.Settings value) {
            return new Options(image, seed, ingressPort, adminPort, ready, value, cluster);
        }

        /** The cluster's id, network and plug-in CA (several clusters, or {@code up --cacerts}). */
        public Options withCluster(KubeClusterIdentity value) {
            return new Options(image, seed, ingressPort, adminPort, ready, meshConfig, value);
        }

        public static Options standard(String image, OptionalLong seed) {
            return new Options(image, seed, 8080, AdminServer.PORT, Duration.ofMinutes(5));
        }

        public static Options isolated(String image, OptionalLong seed) {
            return new Options(image, seed, 0, 0, Duration.ofMinutes(5));
        }
    }

    private final KubernetesClient client;
    private final ClusterPods pods;
    private final String meshId;
    private final PrintStream progress;
    private final Map<String, LocalPortForward> outbound = new LinkedHashMap<>();
    /** Port-forwards to the addons in istio-system (Zipkin's 9411), by app label. */
    private final Map<String, LocalPortForward> addonForwards = new LinkedHashMap<>();
    /** The namespaces the workloads run in; set by {@link #install}. */
    private List<String> namespaces = List.of(WORKLOADS);
    /** The pods that run without a sidecar, as {@code APP.NAMESPACE} and by app label. */
    private final java.util.Set<String> withoutSidecar = new java.util.HashSet<>();
    /** The user's gateway workloads, by app label and Deployment name: the pod port traffic "from" them enters at. */
    private final Map<String, Integer> gatewayEntries = new java.util.HashMap<>();

    private LocalPortForward ingressForward;

    private KubeMesh(KubernetesClient client, PrintStream progress) {
        super("meshbox-kubernetes-cleanup");
        this.client = client;
        this.pods = new ClusterPods(client);
        this.meshId = HexFormat.of()
                .toHexDigits(ThreadLocalRandom.current().nextInt())
                .substring(2);
        this.progress = progress;
    }

    /**
     * Installs a mesh running {@code spec} and returns once every pod is ready and every proxy has ACKed its config.
     *
     * @param cluster closed after the mesh is removed (the k3s container), or null for a cluster the user owns
     */
    public static KubeMesh start(
            KubernetesClient client, MeshSpec spec, Options options, PrintStream progress, AutoCloseable cluster)
            throws InterruptedException {
        KubeMesh mesh = new KubeMesh(client, progress);
        if (cluster != null) {
            mesh.cleanup.push("the cluster", cluster);
        }
        try {
            requireContainers(spec);
            mesh.install(spec, options);
            return mesh;
        } catch (RuntimeException | InterruptedException e) {
            mesh.closeAfterFailedStart(e);
            throw e;
        }
    }

    /** Fails, naming the workload, when a pod cannot run as a container (a JVM from the user's classpath). */
    public static void requireContainers(MeshSpec spec) {
        for (PodSpec p : spec.pods()) {
            if (p.container() instanceof PodSpec.NotInContainers n) {
                throw new IllegalArgumentException(n.reason().replace("on docker", "on Kubernetes"));
            }
            if (p.container() instanceof PodSpec.HostJar) {
                throw new IllegalArgumentException("pod " + p.name()
                        + " runs a jar from this machine, which only the local and docker backends do");
            }
            if (p.container() instanceof PodSpec.NoApp n && n.proxylessGrpc()) {
                throw new IllegalArgumentException(
                        "a proxyless gRPC client (" + p.name() + ") runs on the local backend"
                                + " only for now: its grpc-java channel lives in the runner's JVM, which cannot reach the"
                                + " cluster's pod IPs");
            }
        }
    }

    /** What the launcher creates, before anything is: the control plane's objects and the workloads' (for tests and dry runs). */
    public static List<HasMetadata> manifests(
            KubernetesClient client, MeshSpec spec, Options options, String meshId, WebhookTls.Material tls) {
        List<HasMetadata> all = new ArrayList<>(ControlPlaneManifest.objects(client, spec, options, meshId, tls));
        all.addAll(Workloads.objects(client, spec, options.image(), meshId));
        return all;
    }

    public String meshId() {
        return meshId;
    }

    /** The cluster's API, as kubectl talks to it. */
    public KubernetesClient client() {
        return client;
    }

    private void install(MeshSpec spec, Options options) throws InterruptedException {
        long t0 = System.nanoTime();
        namespaces = WorkloadNamespaces.of(spec);
        for (PodSpec p : spec.pods()) {
            if (KubeGatewayWorkloads.isGateway(p)) {
                gatewayEntries.put(p.appLabel(), p.containerPort());
                gatewayEntries.put(Workloads.deploymentName(p), p.containerPort());
            }
            if (!p.sidecar()) {
                withoutSidecar.add(p.appLabel() + "." + p.namespace());
                withoutSidecar.add(p.name());
            }
        }
        String version = Preflight.check(client, namespaces);
        progress.printf(
                "cluster         Kubernetes %s at %s%n",
                version, client.getConfiguration().getMasterUrl());

        installCrds();
        WebhookTls.Material tls = WebhookTls.forService("istiod", SYSTEM);
        for (HasMetadata o : ControlPlaneManifest.objects(client, spec, options, meshId, tls)) {
            create(o);
        }
        progress.printf(
                "control plane   istiod and istio-ingressgateway created in %s (image %s)%n", SYSTEM, options.image());
        MeshSpec addons = ClusterAddons.addons(spec);
        for (HasMetadata o : Workloads.objects(client, addons, options.image(), meshId)) {
            create(o);
        }
        if (!addons.pods().isEmpty()) {
            progress.printf(
                    "addons          %s created in %s%n",
                    String.join(
                            ", ", addons.pods().stream().map(PodSpec::appLabel).toList()),
                    SYSTEM);
        }
        awaitDeployment(SYSTEM, "istiod", options.ready());
        LocalPortForward admin = pods.forward(SYSTEM, "app=istiod", AdminServer.PORT, options.adminPort());
        cleanup.push("port-forward to the admin API", admin);
        connect(URI.create("http://127.0.0.1:" + admin.getLocalPort()));
        Wait.atMost(options.ready())
                .pollingEvery(Duration.ofMillis(200))
                .until(
                        "the control plane (through the port-forward)",
                        () -> controlPlane().unhealthyBecause());
        progress.printf(
                "control plane   ready, admin API %s (port-forward)%n",
                controlPlane().base());

        new WorkloadNamespaces(client, meshId, cleanup).prepare(spec);
        for (HasMetadata o : Workloads.objects(client, ClusterAddons.workloads(spec), options.image(), meshId)) {
            create(o);
        }
        progress.printf(
                "workloads       %d pods in namespace(s) %s (sidecars injected by the webhook)%n",
                spec.pods().size(), String.join(", ", namespaces));
        awaitReady(spec, options.ready());
        for (PodSpec addon : ClusterAddons.addons(spec).pods()) {
            // As the admin API: on its own port when the mesh's ports are fixed (up), else a free one.
            LocalPortForward f = pods.forward(
                    SYSTEM,
                    "app=" + addon.appLabel(),
                    addon.containerPort(),
                    options.adminPort() == 0 ? 0 : addon.containerPort());
            cleanup.push("port-forward to " + addon.appLabel(), f);
            addonForwards.put(addon.appLabel(), f);
        }
        ingressForward = pods.forward(SYSTEM, "istio=ingressgateway", 8080, options.ingressPort());
        cleanup.push("port-forward to the ingress gateway", ingressForward);
        progress.printf(
                "mesh ready in %.1f s (mesh %s, ingress 127.0.0.1:%d via port-forward)%n",
                (System.nanoTime() - t0) / 1e9, meshId, ingressForward.getLocalPort());
    }

    /** Istio's CRDs where the cluster lacks them (removed again on close), and the removal of config applied through the mesh. */
    private void installCrds() {
        List<String> missing = IstioCrds.missing(client);
        if (!missing.isEmpty()) {
            IstioCrds.install(client);
            for (String crd : missing) {
                cleanup.push(
                        "CustomResourceDefinition " + crd,
                        () -> ignoreNotFound(() -> client.apiextensions()
                                .v1()
                                .customResourceDefinitions()
                                .withName(crd)
                                .delete()));
            }
            progress.printf("Istio CRDs      installed %s%n", String.join(", ", missing));
        }
        // Config applied through the mesh (scenarios, meshbox apply) is labelled so; what users applied with kubectl
        // stays.
        cleanup.push("config applied through the mesh", this::deleteAppliedConfig);
    }

    private void deleteAppliedConfig() {
        List<String> all = new ArrayList<>(namespaces);
        all.add(SYSTEM);
        for (String ns : all) {
            // Gateway credentials applied through the mesh (the mesh's own Secrets go with their objects).
            ignoreNotFound(() -> client.secrets()
                    .inNamespace(ns)
                    .withLabel(MANAGED_BY, "meshbox")
                    .withoutLabel(MESH)
                    .delete());
        }
        for (IstioCrds.Kind kind : IstioCrds.KINDS) {
            for (String ns : all) {
                ignoreNotFound(() -> client.genericKubernetesResources(kind.context())
                        .inNamespace(ns)
                        .withLabel(MANAGED_BY, "meshbox")
                        .delete());
            }
        }
    }

    /** A deletion whose target is gone already has done its job. */
    static void ignoreNotFound(Runnable delete) {
        try {
            delete.run();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    private void create(HasMetadata o) {
        String what = o.getKind() + " "
                + (o.getMetadata().getNamespace() == null ? "" : o.getMetadata().getNamespace() + "/")
                + o.getMetadata().getName();
        HasMetadata done;
        try {
            done = client.resource(o).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                throw new IllegalStateException(
                        "cannot create " + what + ": it exists already (a mesh installed before, or another"
                                + " tool's). " + Preflight.REMOVE_HINT,
                        e);
            }
            throw new IllegalStateException(IstioCrds.describe(e, "create " + what), e);
        }
        cleanup.push(
                what,
                () -> ignoreNotFound(
                        () -> client.resource(done).withGracePeriod(0).delete()));
    }

    private void awaitDeployment(String namespace, String name, Duration timeout) throws InterruptedException {
        String selector = "app=" + name;
        Wait.atMost(timeout).pollingEvery(POLL).until("deployment " + namespace + "/" + name, () -> {
            Deployment d = client.apps()
                    .deployments()
                    .inNamespace(namespace)
                    .withName(name)
                    .get();
            Integer ready =
                    d == null || d.getStatus() == null ? null : d.getStatus().getReadyReplicas();
            if (ready != null && ready >= 1) {
                return Optional.empty();
            }
            List<Pod> found = pods.list(namespace, selector);
            pods.failIfStuck(namespace, found);
            return Optional.of("no ready replica" + ClusterPods.phases(found));
        });
    }

    /** Until the control plane's registry has every pod (and the gateway) ready and every proxy has ACKed. */
    private void awaitReady(MeshSpec spec, Duration timeout) throws InterruptedException {
        var readiness = readiness(
                spec.pods().size() + 1,
                (pod, n, expected) -> progress.printf("pod %-44s ready (%d/%d)%n", pod, n, expected));
        Wait.atMost(timeout).pollingEvery(POLL).until("the mesh", () -> {
            Optional<String> notReady = readiness.notReadyBecause();
            if (notReady.isEmpty()) {
                return notReady;
            }
            List<Pod> ours = new ArrayList<>();
            for (String ns : namespaces) {
                List<Pod> here = pods.list(ns, mine());
                pods.failIfStuck(ns, here);
                ours.addAll(here);
            }
            return Optional.of(notReady.get() + ClusterPods.phases(ours));
        });
    }

    /** The label selector of this mesh's pods: a shared namespace may hold other pods, crashing or named alike. */
    private String mine() {
        return MESH + "=" + meshId;
    }

    // ---- MeshAccess: traffic through port-forwards (config and telemetry: RemoteMesh)

    @Override
    public InetSocketAddress ingress() {
        return new InetSocketAddress("127.0.0.1", ingressForward.getLocalPort());
    }

    @Override
    public synchronized InetSocketAddress outboundOf(String workload) {
        LocalPortForward f = outbound.get(workload);
        if (f == null) {
            if (workload.equals("istio-ingressgateway")) {
                throw new IllegalArgumentException(workload
                        + " is the ingress gateway; send from a workload with a sidecar, or use from: ingress");
            }
            if (!hasSidecar(workload)) {
                throw new IllegalArgumentException(workload + " runs without a sidecar: its calls go straight to the"
                        + " destination pod, not through an outbound listener");
            }
            Pod pod = podOf(workload);
            // A gateway workload of the user's is entered at its first listener (as from: ingress), a sidecar left
            // through its outbound listener.
            f = pods.forwardToPod(
                    pod.getMetadata().getNamespace(),
                    pod.getMetadata().getName(),
                    gatewayEntries.getOrDefault(workload, 15001));
            cleanup.push("port-forward to " + pod.getMetadata().getName(), f);
            outbound.put(workload, f);
        }
        return new InetSocketAddress("127.0.0.1", f.getLocalPort());
    }

    /** The pod of a workload: by pod name, {@code APP.NAMESPACE}, or app label ({@code default}'s first). */
    private Pod podOf(String workload) {
        List<Pod> ours = new ArrayList<>();
        for (String ns : namespaces) {
            ours.addAll(pods.list(ns, mine()));
        }
        return ours.stream()
                .filter(p -> p.getMetadata().getName().equals(workload)
                        || workload.equals(p.getMetadata().getLabels().get("app") + "."
                                + p.getMetadata().getNamespace()))
                .findFirst()
                .or(() -> ours.stream()
                        .filter(p -> workload.equals(p.getMetadata().getLabels().get("app")))
                        .min(java.util.Comparator.comparing(
                                p -> WORKLOADS.equals(p.getMetadata().getNamespace()) ? 0 : 1)))
                .orElseThrow(() -> new IllegalArgumentException("no workload \"" + workload
                        + "\" in this mesh; pods: "
                        + ours.stream()
                                .map(p -> p.getMetadata().getName())
                                .sorted()
                                .toList()));
    }

    /**
     * Where this JVM reaches a proxy at a port of its pod, through a port-forward as {@code kubectl port-forward}
     * makes: the ingress gateway ({@code ingress}) or a gateway workload at a server's port (8443 for 443, 31400), or
     * a sidecar at a port of its pod.
     */
    @Override
    public synchronized InetSocketAddress proxyPort(String workload, int podPort) {
        String key = workload + ":" + podPort;
        LocalPortForward f = outbound.get(key);
        if (f == null) {
            if (workload.equals("ingress")) {
                f = pods.forward(SYSTEM, "istio=ingressgateway", podPort, 0);
            } else {
                Pod pod = podOf(workload);
                f = pods.forwardToPod(
                        pod.getMetadata().getNamespace(), pod.getMetadata().getName(), podPort);
            }
            cleanup.push("port-forward to " + key, f);
            outbound.put(key, f);
        }
        return new InetSocketAddress("127.0.0.1", f.getLocalPort());
    }

    /**
     * Istio's Prometheus addon ({@link PrometheusManifest}): created in istio-system (removed with the mesh), ready,
     * and reached through a port-forward to its 9090 on {@code localPort} (0: a free port). The cluster pulls
     * {@code image}, by default {@link #PROMETHEUS_IMAGE}.
     */
    public InetSocketAddress startPrometheus(String image, int localPort, Duration timeout)
            throws InterruptedException {
        for (HasMetadata o : PrometheusManifest.objects(client, image)) {
            create(o);
        }
        awaitDeployment(SYSTEM, PrometheusManifest.NAME, timeout);
        LocalPortForward f = pods.forward(SYSTEM, "app=" + PrometheusManifest.NAME, PrometheusManifest.PORT, localPort);
        cleanup.push("port-forward to prometheus", f);
        addonForwards.put(PrometheusManifest.NAME, f);
        return new InetSocketAddress("127.0.0.1", f.getLocalPort());
    }

    /** Where this machine reaches an addon of the mesh ({@code zipkin}): a port-forward to its pod. */
    public Optional<InetSocketAddress> addon(String app) {
        return Optional.ofNullable(addonForwards.get(app))
                .map(f -> new InetSocketAddress("127.0.0.1", f.getLocalPort()));
    }

    /** A gateway workload of the user's ({@code my-ingress}): traffic "from" it enters at its listener. */
    @Override
    public boolean entersAtGateway(String workload) {
        return gatewayEntries.containsKey(workload);
    }

    /** A workload Istio did not inject ({@code sleep.legacy}): its requests do not leave through a sidecar. */
    @Override
    public boolean hasSidecar(String workload) {
        return !withoutSidecar.contains(workload);
    }

    /**
     * Sending as a pod without a sidecar would take a shell in that pod (the host reaches pods only through
     * port-forwards, which arrive on the target pod's localhost, past its sidecar's inbound capture).
     */
    @Override
    public InetSocketAddress directTarget(String workload, String host, int port) {
        throw new IllegalArgumentException(workload + " runs without a sidecar; on Kubernetes, MeshBox sends only from"
                + " workloads with one (or from: ingress) for now: send from a workload with a sidecar, or use the"
                + " local or docker backend");
    }
}
