package dev.meshbox.launcher.kube;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meshbox.controlplane.kubernetes.IstioConfigWriter;
import dev.meshbox.controlplane.kubernetes.IstioCrds;
import dev.meshbox.launcher.admin.ControlPlaneClient;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.backend.PodSpec;
import dev.meshbox.launcher.backend.StartedMesh;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.LocalPortForward;
import java.io.ByteArrayInputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A mesh on a Kubernetes cluster (any cluster from a kubeconfig, or k3s in a container): Istio's CRDs (installed when
 * missing), MeshBox's control plane as istiod in {@code istio-system} (registry and config from the API, the
 * sidecar-injection and validation webhooks), the ingress gateway, and the workloads in {@code default}, labelled
 * {@code istio-injection=enabled} so the webhook adds their sidecars. The host reaches the control plane, the gateway
 * and sidecars through the API server's port-forwarding, as {@code kubectl port-forward} does.
 *
 * <p>Before creating anything it checks that the cluster answers, that no Istio (nor another MeshBox) owns
 * {@code istio-system}, and that RBAC allows every write; if a step fails later, everything created so far is deleted
 * again. {@link #close()} deletes what the mesh created and restores the namespace label it changed.
 */
public final class KubeMesh implements StartedMesh {

    /** The label on everything a mesh creates, and the mesh id's label. */
    public static final String MANAGED_BY = IstioConfigWriter.MANAGED_BY;

    public static final String MESH = "meshbox.dev/mesh";
    static final String SYSTEM = "istio-system";
    static final String WORKLOADS = "default";
    static final String INJECTION = "istio-injection";

    /**
     * @param image       MeshBox's image as the cluster's nodes pull it
     * @param ingressPort local port (on 127.0.0.1) forwarded to the ingress gateway's 8080; 0 picks a free one
     * @param adminPort   local port forwarded to the control plane's admin API (15014); 0 picks a free one
     * @param ready       how long pods may take to become ready (image pulls included)
     */
    public record Options(String image, OptionalLong seed, int ingressPort, int adminPort, Duration ready) {
        public static Options standard(String image, OptionalLong seed) {
            return new Options(image, seed, 8080, 15014, Duration.ofMinutes(5));
        }

        public static Options isolated(String image, OptionalLong seed) {
            return new Options(image, seed, 0, 0, Duration.ofMinutes(5));
        }
    }

    private final KubernetesClient client;
    private final String meshId;
    private final PrintStream progress;
    private final AutoCloseable cluster;
    /** Everything created, in creation order; deleted in reverse. */
    private final List<HasMetadata> created = new ArrayList<>();

    private final List<String> installedCrds = new ArrayList<>();
    private final Map<String, LocalPortForward> outbound = new LinkedHashMap<>();
    private boolean labelledWorkloads;
    private LocalPortForward ingressForward;
    private LocalPortForward adminForward;
    private ControlPlaneClient controlPlane;
    private final Thread onExit = new Thread(this::removeAll, "meshbox-kubernetes-cleanup");

    private KubeMesh(KubernetesClient client, PrintStream progress, AutoCloseable cluster) {
        this.client = client;
        this.meshId = HexFormat.of()
                .toHexDigits(ThreadLocalRandom.current().nextInt())
                .substring(2);
        this.progress = progress;
        this.cluster = cluster;
    }

    /**
     * Installs a mesh running {@code spec} and returns once every pod is ready and every proxy has ACKed its config.
     *
     * @param cluster closed after the mesh is removed (the k3s container), or null for a cluster the user owns
     */
    public static KubeMesh start(
            KubernetesClient client, MeshSpec spec, Options options, PrintStream progress, AutoCloseable cluster)
            throws InterruptedException {
        KubeMesh mesh = new KubeMesh(client, progress, cluster);
        Runtime.getRuntime().addShutdownHook(mesh.onExit);
        try {
            requireContainers(spec);
            mesh.install(spec, options);
            return mesh;
        } catch (RuntimeException | InterruptedException e) {
            mesh.close();
            throw e;
        }
    }

    /** Fails, naming the workload, when a pod cannot run as a container (a JVM from the user's classpath). */
    public static void requireContainers(MeshSpec spec) {
        for (PodSpec p : spec.pods()) {
            if (p.container() instanceof PodSpec.NotInContainers n) {
                throw new IllegalArgumentException(n.reason().replace("on docker", "on Kubernetes"));
            }
        }
    }

    /** What the launcher creates, before anything is: the control plane's objects and the workloads' (for tests and dry runs). */
    public static List<HasMetadata> manifests(
            KubernetesClient client, MeshSpec spec, Options options, String meshId, WebhookTls.Material tls) {
        List<HasMetadata> all = new ArrayList<>(controlPlaneObjects(client, spec, options, meshId, tls));
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
        String version = Preflight.check(client, WORKLOADS);
        progress.printf(
                "cluster         Kubernetes %s at %s%n",
                version, client.getConfiguration().getMasterUrl());

        List<String> missing = IstioCrds.missing(client);
        if (!missing.isEmpty()) {
            IstioCrds.install(client);
            installedCrds.addAll(missing);
            progress.printf("Istio CRDs      installed %s%n", String.join(", ", missing));
        }
        WebhookTls.Material tls = WebhookTls.forService("istiod", SYSTEM);
        for (HasMetadata o : controlPlaneObjects(client, spec, options, meshId, tls)) {
            create(o);
        }
        progress.printf(
                "control plane   istiod and istio-ingressgateway created in %s (image %s)%n", SYSTEM, options.image());
        awaitDeployment(SYSTEM, "istiod", options.ready());
        adminForward = forward(SYSTEM, "app=istiod", 15014, options.adminPort());
        controlPlane = new ControlPlaneClient(URI.create("http://127.0.0.1:" + adminForward.getLocalPort()));
        awaitControlPlane(options.ready());
        progress.printf("control plane   ready, admin API %s (port-forward)%n", controlPlane.base());

        labelWorkloadNamespace();
        for (HasMetadata o : Workloads.objects(client, spec, options.image(), meshId)) {
            create(o);
        }
        progress.printf(
                "workloads       %d pods in namespace %s (sidecars injected by the webhook)%n",
                spec.pods().size(), WORKLOADS);
        awaitReady(spec, options.ready());
        ingressForward = forward(SYSTEM, "istio=ingressgateway", 8080, options.ingressPort());
        progress.printf(
                "mesh ready in %.1f s (mesh %s, ingress 127.0.0.1:%d via port-forward)%n",
                (System.nanoTime() - t0) / 1e9, meshId, ingressForward.getLocalPort());
    }

    static List<HasMetadata> controlPlaneObjects(
            KubernetesClient client, MeshSpec spec, Options options, String meshId, WebhookTls.Material tls) {
        List<String> istiod = new ArrayList<>(List.of(
                "java",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Xmx256m",
                "-cp",
                "/opt/meshbox/meshbox.jar",
                "dev.meshbox.launcher.Main",
                "control-plane",
                "--registry",
                "kubernetes",
                "--xds",
                "0.0.0.0:15010",
                "--admin",
                "0.0.0.0:15014",
                "--webhook",
                "0.0.0.0:15017",
                "--tls-dir",
                "/var/run/secrets/meshbox-webhook",
                "--inject-image",
                options.image(),
                "--watch-namespace",
                WORKLOADS,
                "--watch-namespace",
                SYSTEM));
        for (String name : spec.defaultConfigNames()) {
            istiod.addAll(List.of("--default-config", name));
        }
        List<String> gateway = new ArrayList<>(List.of(
                "java",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Xmx96m",
                "-cp",
                "/opt/meshbox/meshbox.jar",
                "dev.meshbox.proxy.Main",
                "--role",
                "gateway",
                "--pod",
                "$(POD_NAME)",
                "--namespace",
                SYSTEM,
                "--ip",
                "$(POD_IP)",
                "--wildcard",
                "all",
                "--xds",
                "istiod." + SYSTEM + ".svc:15010",
                "--label",
                "app=istio-ingressgateway",
                "--label",
                "istio=ingressgateway"));
        options.seed().ifPresent(s -> gateway.addAll(List.of("--seed", Long.toString(s))));
        String text = MeshSpec.bundled("kube/control-plane.yaml")
                .replace("{{MESH}}", meshId)
                .replace("{{IMAGE}}", options.image())
                .replace("{{CA_BUNDLE}}", base64(tls.caPem()))
                .replace("{{TLS_CRT}}", base64(tls.certPem()))
                .replace("{{TLS_KEY}}", base64(tls.keyPem()))
                .replace("{{ISTIOD_COMMAND}}", flow(istiod))
                .replace("{{GATEWAY_COMMAND}}", flow(gateway));
        return client.load(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)))
                .items();
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A YAML flow sequence of quoted strings. */
    private static String flow(List<String> items) {
        return items.stream()
                .map(s -> "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"")
                .collect(java.util.stream.Collectors.joining(", ", "[", "]"));
    }

    private void create(HasMetadata o) {
        String what = o.getKind() + " "
                + (o.getMetadata().getNamespace() == null ? "" : o.getMetadata().getNamespace() + "/")
                + o.getMetadata().getName();
        try {
            HasMetadata done = client.resource(o).create();
            synchronized (this) {
                created.add(done);
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                throw new IllegalStateException(
                        "cannot create " + what + ": it exists already (a mesh installed before, or another"
                                + " tool's). " + Preflight.REMOVE_HINT,
                        e);
            }
            throw new IllegalStateException(IstioCrds.describe(e, "create " + what), e);
        }
    }

    /** Labels {@code default} istio-injection=enabled (creating it if the cluster has none), as Istio's Bookinfo guide does. */
    private void labelWorkloadNamespace() {
        try {
            Namespace ns = client.namespaces().withName(WORKLOADS).get();
            if (ns == null) {
                create(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(WORKLOADS)
                        .addToLabels(INJECTION, "enabled")
                        .addToLabels(MANAGED_BY, "meshbox")
                        .addToLabels(MESH, meshId)
                        .endMetadata()
                        .build());
                return;
            }
            Map<String, String> labels = ns.getMetadata().getLabels() == null
                    ? Map.of()
                    : ns.getMetadata().getLabels();
            if (!"enabled".equals(labels.get(INJECTION))) {
                client.namespaces()
                        .withName(WORKLOADS)
                        .edit(n -> new NamespaceBuilder(n)
                                .editMetadata()
                                .addToLabels(INJECTION, "enabled")
                                .endMetadata()
                                .build());
                labelledWorkloads = true;
            }
        } catch (KubernetesClientException e) {
            throw new IllegalStateException(
                    IstioCrds.describe(e, "label namespace " + WORKLOADS + " " + INJECTION + "=enabled"), e);
        }
    }

    private void awaitDeployment(String namespace, String name, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Deployment d = client.apps()
                    .deployments()
                    .inNamespace(namespace)
                    .withName(name)
                    .get();
            Integer ready =
                    d == null || d.getStatus() == null ? null : d.getStatus().getReadyReplicas();
            if (ready != null && ready >= 1) {
                return;
            }
            failIfStuck(namespace, "app=" + name);
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("deployment " + namespace + "/" + name + " was not ready within "
                        + timeout.toSeconds() + " s" + podStates(namespace, "app=" + name));
            }
            Thread.sleep(500);
        }
    }

    private void awaitControlPlane(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!controlPlane.healthy()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the control plane did not answer through the port-forward within "
                        + timeout.toSeconds() + " s");
            }
            Thread.sleep(200);
        }
    }

    /** Until the control plane's registry has every pod (and the gateway) ready and every proxy has ACKed. */
    private void awaitReady(MeshSpec spec, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<String> announced = new HashSet<>();
        int expected = spec.pods().size() + 1;
        while (true) {
            int ready = 0;
            for (JsonNode p : controlPlane.pods()) {
                if (p.path("ready").asBoolean()) {
                    ready++;
                    if (announced.add(p.path("name").asText())) {
                        progress.printf(
                                "pod %-44s ready (%d/%d)%n", p.path("name").asText(), announced.size(), expected);
                    }
                }
            }
            if (ready >= expected) {
                Optional<String> lagging = controlPlane.lagging();
                if (lagging.isEmpty()) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("proxies did not ACK their config:" + lagging.get());
                }
            }
            failIfStuck(WORKLOADS, mine());
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + ready + " of " + expected + " pods became ready within "
                        + timeout.toSeconds() + " s" + podStates(WORKLOADS, mine()));
            }
            Thread.sleep(500);
        }
    }

    /** The label selector of this mesh's pods: a shared namespace may hold other pods, crashing or named alike. */
    private String mine() {
        return MESH + "=" + meshId;
    }

    /** Fails at once when a pod cannot start (image not pullable, crashing, config error): waiting longer would not help. */
    private void failIfStuck(String namespace, String selector) {
        for (Pod p : pods(namespace, selector)) {
            List<ContainerStatus> statuses = new ArrayList<>();
            if (p.getStatus() != null) {
                if (p.getStatus().getInitContainerStatuses() != null) {
                    statuses.addAll(p.getStatus().getInitContainerStatuses());
                }
                if (p.getStatus().getContainerStatuses() != null) {
                    statuses.addAll(p.getStatus().getContainerStatuses());
                }
            }
            for (ContainerStatus s : statuses) {
                if (s.getState() == null || s.getState().getWaiting() == null) {
                    continue;
                }
                String reason = String.valueOf(s.getState().getWaiting().getReason());
                if (Set.of(
                                "ErrImagePull",
                                "ImagePullBackOff",
                                "InvalidImageName",
                                "CrashLoopBackOff",
                                "CreateContainerConfigError",
                                "CreateContainerError")
                        .contains(reason)) {
                    String hint = reason.contains("Image")
                            ? "; the cluster's nodes cannot pull " + s.getImage()
                                    + ": push MeshBox's image to a registry they reach and pass --image (see docs/kubernetes.md)"
                            : "";
                    throw new IllegalStateException("pod " + namespace + "/"
                            + p.getMetadata().getName() + ": container " + s.getName() + " " + reason + ": "
                            + s.getState().getWaiting().getMessage() + hint + logTail(namespace, p, s.getName()));
                }
            }
        }
    }

    private List<Pod> pods(String namespace, String selector) {
        try {
            var list = client.pods().inNamespace(namespace);
            return (selector == null
                            ? list.list()
                            : list.withLabelSelector(selector).list())
                    .getItems();
        } catch (KubernetesClientException e) {
            throw new IllegalStateException(IstioCrds.describe(e, "list pods in " + namespace), e);
        }
    }

    private String logTail(String namespace, Pod p, String container) {
        try {
            String log = client.pods()
                    .inNamespace(namespace)
                    .withName(p.getMetadata().getName())
                    .inContainer(container)
                    .tailingLines(10)
                    .getLog();
            return log == null || log.isBlank() ? "" : "\n" + log.strip();
        } catch (KubernetesClientException e) {
            return "";
        }
    }

    private String podStates(String namespace, String selector) {
        StringBuilder sb = new StringBuilder();
        for (Pod p : pods(namespace, selector)) {
            sb.append("\n  ")
                    .append(p.getMetadata().getName())
                    .append(": ")
                    .append(p.getStatus() == null ? "?" : p.getStatus().getPhase());
        }
        return sb.toString();
    }

    /** Forwards a local port on 127.0.0.1 to {@code port} of the first pod matching {@code selector}. */
    private LocalPortForward forward(String namespace, String selector, int port, int localPort) {
        Pod pod = pods(namespace, selector).stream()
                .filter(p ->
                        p.getStatus() != null && "Running".equals(p.getStatus().getPhase()))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        "no running pod " + selector + " in " + namespace + " to forward to"));
        try {
            return client.pods()
                    .inNamespace(namespace)
                    .withName(pod.getMetadata().getName())
                    .portForward(port, InetAddress.getLoopbackAddress(), localPort);
        } catch (KubernetesClientException e) {
            throw new IllegalStateException(
                    IstioCrds.describe(
                            e, "port-forward to pod " + pod.getMetadata().getName() + ":" + port),
                    e);
        }
    }

    // ---- MeshAccess: config and telemetry through the control plane, traffic through port-forwards

    @Override
    public ApplyOutcome apply(List<ConfigText> config) {
        return controlPlane.apply(config);
    }

    @Override
    public void resetConfig() {
        controlPlane.reset();
    }

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
            List<Pod> ours = pods(WORKLOADS, mine());
            List<Pod> candidates = ours.stream()
                    .filter(p -> workload.equals(p.getMetadata().getLabels().get("app"))
                            || p.getMetadata().getName().equals(workload))
                    .toList();
            if (candidates.isEmpty()) {
                throw new IllegalArgumentException("no workload \"" + workload + "\" in this mesh; pods: "
                        + ours.stream()
                                .map(p -> p.getMetadata().getName())
                                .sorted()
                                .toList());
            }
            Pod pod = candidates.get(0);
            try {
                f = client.pods()
                        .inNamespace(WORKLOADS)
                        .withName(pod.getMetadata().getName())
                        .portForward(15001, InetAddress.getLoopbackAddress(), 0);
            } catch (KubernetesClientException e) {
                throw new IllegalStateException(
                        IstioCrds.describe(
                                e, "port-forward to " + pod.getMetadata().getName() + ":15001"),
                        e);
            }
            outbound.put(workload, f);
        }
        return new InetSocketAddress("127.0.0.1", f.getLocalPort());
    }

    @Override
    public List<LogEntry> accessLog() {
        return controlPlane.accessLog();
    }

    @Override
    public Optional<String> describeRouting(String workload, String host) {
        return controlPlane.describeRouting(workload, host);
    }

    @Override
    public Map<String, Long> counters(String workload) {
        return controlPlane.counters(workload);
    }

    /** The control plane's admin API on this machine (port-forwarded). */
    public URI admin() {
        return controlPlane.base();
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs (or ran) removeAll itself
        }
        removeAll();
    }

    private synchronized void removeAll() {
        List<AutoCloseable> forwards = new ArrayList<>(outbound.values());
        forwards.add(ingressForward);
        forwards.add(adminForward);
        for (AutoCloseable f : forwards) {
            closeQuietly(f);
        }
        outbound.clear();
        ingressForward = null;
        adminForward = null;
        List<HasMetadata> all = new ArrayList<>(created);
        java.util.Collections.reverse(all);
        for (HasMetadata o : all) {
            try {
                client.resource(o).withGracePeriod(0).delete();
            } catch (KubernetesClientException e) {
                // gone already, or the cluster is gone; Preflight names what is left on the next start
            }
        }
        created.clear();
        // Config applied through the mesh (scenarios, meshbox apply) is labelled so; what users applied with kubectl
        // stays.
        for (IstioCrds.Kind kind : IstioCrds.KINDS) {
            for (String ns : List.of(WORKLOADS, SYSTEM)) {
                try {
                    client.genericKubernetesResources(kind.context())
                            .inNamespace(ns)
                            .withLabel(MANAGED_BY, "meshbox")
                            .delete();
                } catch (KubernetesClientException e) {
                    // the CRD is gone, or the cluster is
                }
            }
        }
        if (labelledWorkloads) {
            try {
                client.namespaces()
                        .withName(WORKLOADS)
                        .edit(n -> new NamespaceBuilder(n)
                                .editMetadata()
                                .removeFromLabels(INJECTION)
                                .endMetadata()
                                .build());
            } catch (KubernetesClientException e) {
                // as above
            }
            labelledWorkloads = false;
        }
        for (String crd : installedCrds) {
            try {
                client.apiextensions()
                        .v1()
                        .customResourceDefinitions()
                        .withName(crd)
                        .delete();
            } catch (KubernetesClientException e) {
                // as above
            }
        }
        installedCrds.clear();
        closeQuietly(cluster);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // closing on the way out
        }
    }
}
