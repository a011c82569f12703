package dev.meshbox.launcher.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.config.ApplyResult;
import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.config.ConfigWriter;
import dev.meshbox.controlplane.config.ResourceKey;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.translate.RouteDescriber;
import dev.meshbox.controlplane.translate.XdsResources;
import dev.meshbox.scenarios.MeshAccess;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The mesh as seen from beside its control plane, whichever backend runs the pods: config goes into the control
 * plane's store (and waits for every proxy's ACK), pods come from its registry, and everything about a proxy is read
 * from the proxy's admin port at the pod IP, as any client on the pod network would. The local backend uses it in
 * process; the Docker backend's control-plane container uses it on the mesh network.
 */
public final class MeshControl implements MeshAccess {

    private static final Duration CONVERGE = Duration.ofSeconds(10);
    public static final int ADMIN_PORT = 15000;
    /** A proxy's readiness port ({@code /healthz/ready}), which Kubernetes probes. */
    public static final int HEALTH_PORT = 15021;

    private final ControlPlane controlPlane;
    private final ConfigWriter writer;
    private final Set<ResourceKey> defaultResources = new HashSet<>();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ObjectMapper json = new ObjectMapper();
    /** What the backend deploys for the applied config (Gateway API Gateways); nothing unless it says so. */
    private volatile Runnable deployments = () -> {};

    public MeshControl(ControlPlane controlPlane) {
        this(controlPlane, controlPlane.config());
    }

    /** A mesh whose applied config is kept by {@code writer} (on Kubernetes: Istio's custom resources) rather than the store. */
    public MeshControl(ControlPlane controlPlane, ConfigWriter writer) {
        this.controlPlane = controlPlane;
        this.writer = writer;
    }

    public ControlPlane controlPlane() {
        return controlPlane;
    }

    /**
     * Runs {@code deploy} after every successful change of config, before the wait for the proxies: the backend starts
     * and stops what the config asks for, as Istio deploys {@code <name>-istio} for each Gateway API Gateway.
     */
    public void onConfigChanged(Runnable deploy) {
        this.deployments = deploy;
    }

    /** Applies the mesh's own config (the ingress Gateway), which {@link #resetConfig()} keeps. */
    public void applyDefaults(List<String> texts, String sourceName) {
        if (texts.isEmpty()) {
            return;
        }
        ApplyResult defaults = writer.apply(
                texts.stream().map(t -> new ConfigStore.Source(sourceName, t)).toList());
        if (!defaults.ok()) {
            throw new IllegalStateException("built-in config rejected: " + defaults.problems());
        }
        defaults.changes().forEach(c -> defaultResources.add(c.key()));
    }

    /** Every pod with a proxy (sidecars and gateways), by name. */
    public List<Pod> pods() {
        return controlPlane.registry().snapshot().proxies();
    }

    /**
     * A pod of the workload: an app label, a pod name or {@code APP.NAMESPACE} ({@code sleep.legacy}), with or without
     * a sidecar; the gateway is {@code istio-ingressgateway}. An app label alone means its pods in {@code default}, or
     * in its only namespace.
     *
     * @throws IllegalArgumentException naming the workloads there are, when none matches or the namespace is unclear
     */
    public Pod pod(String workload) {
        List<Pod> all = controlPlane.registry().snapshot().pods().values().stream()
                .sorted(java.util.Comparator.comparing(Pod::name))
                .toList();
        List<Pod> matching = all.stream()
                .filter(p -> p.name().equals(workload)
                        || workload.equals(p.labels().get("app"))
                        || workload.equals(p.app() + "." + p.namespace())
                        || workload.equals(p.labels().get("service.istio.io/canonical-name")))
                .toList();
        if (matching.isEmpty()) {
            throw new IllegalArgumentException("no workload \"" + workload + "\" in this mesh; workloads: "
                    + all.stream()
                            .map(MeshControl::workloadName)
                            .distinct()
                            .sorted()
                            .toList());
        }
        List<String> namespaces =
                matching.stream().map(Pod::namespace).distinct().sorted().toList();
        if (namespaces.size() > 1) {
            return matching.stream()
                    .filter(p -> p.namespace().equals("default"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("workload \"" + workload + "\" runs in namespaces "
                            + namespaces + "; name one as APP.NAMESPACE, e.g. " + workload + "." + namespaces.get(0)));
        }
        return matching.get(0);
    }

    /** {@code httpbin}, or {@code httpbin.foo} outside {@code default}: how {@link #pod} takes it. */
    private static String workloadName(Pod p) {
        return p.namespace().equals("default") ? p.app() : p.app() + "." + p.namespace();
    }

    @Override
    public boolean hasSidecar(String workload) {
        return pod(workload).role() != Pod.ProxyKind.NONE;
    }

    /**
     * Cluster DNS and kube-proxy's part for a pod without a sidecar: the service {@code host} names, seen from the
     * workload's namespace, and the first of its ready pods at the port's target port.
     */
    @Override
    public InetSocketAddress directTarget(String workload, String host, int port) {
        Pod from = pod(workload);
        var registry = controlPlane.registry().snapshot();
        var service = registry.resolve(host, from.namespace())
                .orElseThrow(() -> new IllegalArgumentException(workload + " (namespace " + from.namespace()
                        + ") has no sidecar and " + host + " names no service it can resolve; services: "
                        + registry.servicesSorted().stream()
                                .map(s -> s.name() + "." + s.namespace())
                                .toList()));
        var servicePort = service.ports().stream()
                .filter(p -> p.port() == port)
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("service " + service.fqdn() + " has no port " + port
                        + "; its ports: "
                        + service.ports().stream().map(p -> p.port()).toList()));
        Pod target = registry.endpoints(service).stream()
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("service " + service.fqdn() + " has no ready pod"));
        return new InetSocketAddress(target.ip(), servicePort.targetPort());
    }

    @Override
    public ApplyOutcome apply(List<ConfigText> config) {
        return converged(writer.apply(config.stream()
                .map(c -> new ConfigStore.Source(c.name(), c.text()))
                .toList()));
    }

    /** Deletes resources through this mesh's writer, as {@link #apply} applies them, and waits for the proxies. */
    public ApplyOutcome delete(List<ResourceKey> keys) {
        return converged(writer.delete(keys));
    }

    private ApplyOutcome converged(ApplyResult r) {
        if (!r.ok()) {
            return new ApplyOutcome(
                    List.of(), r.problems().stream().map(Object::toString).toList());
        }
        deployments.run();
        awaitConverged();
        return new ApplyOutcome(
                r.changes().stream().map(ApplyResult.Change::display).toList(), List.of());
    }

    /** Blocks until every proxy has ACKed the current config; a proxy that NACKs keeps its old config and is reported. */
    public void awaitConverged() {
        try {
            if (!controlPlane.awaitConverged(CONVERGE)) {
                throw new IllegalStateException("proxies rejected the new config, or did not ACK it within "
                        + CONVERGE.toSeconds() + " s:" + controlPlane.describeLagging());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for proxies", e);
        }
    }

    @Override
    public void resetConfig() {
        List<ResourceKey> toDelete = controlPlane.config().snapshot().resources().keySet().stream()
                .filter(k -> !defaultResources.contains(k))
                .toList();
        if (!toDelete.isEmpty()) {
            writer.delete(toDelete);
            deployments.run();
            awaitConverged();
        }
    }

    @Override
    public InetSocketAddress ingress() {
        // Istio's ingress gateway; the pods deployed for Gateway API Gateways have their own addresses.
        Pod gateway = pods().stream()
                .filter(p -> p.role() == Pod.ProxyKind.GATEWAY)
                .min(java.util.Comparator.comparing(
                        p -> "ingressgateway".equals(p.labels().get("istio")) ? 0 : 1))
                .orElseThrow(() -> new IllegalStateException("this mesh has no ingress gateway"));
        return new InetSocketAddress(gateway.ip(), 8080);
    }

    @Override
    public InetSocketAddress outboundOf(String workload) {
        Pod p = pod(workload);
        Optional<InetSocketAddress> gateway = gatewayListener(p);
        if (gateway.isPresent()) {
            return gateway.get();
        }
        if (p.role() == Pod.ProxyKind.NONE) {
            throw new IllegalArgumentException(workload + " runs without a sidecar: its calls go straight to the"
                    + " destination pod (directTarget), not through an outbound listener");
        }
        if (p.role() != Pod.ProxyKind.SIDECAR) {
            throw new IllegalArgumentException(
                    workload + " is the ingress gateway; send from a workload with a sidecar, or use from: ingress");
        }
        return new InetSocketAddress(p.ip(), 15001);
    }

    @Override
    public boolean entersAtGateway(String workload) {
        return gatewayListener(pod(workload)).isPresent();
    }

    /**
     * Traffic "from" a gateway deployed for a Gateway API Gateway ({@code bookinfo-gateway-istio}) enters at its first
     * listener, as {@code from: ingress} enters at the ingress gateway: a client outside the mesh sends to the
     * Gateway's address with the Host it wants routed.
     */
    private Optional<InetSocketAddress> gatewayListener(Pod p) {
        String service = p.labels().get("service.istio.io/canonical-name");
        if (p.role() != Pod.ProxyKind.GATEWAY || service == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(controlPlane.registry().snapshot().services().get(p.namespace() + "/" + service))
                .filter(s -> !s.ports().isEmpty())
                .map(s -> new InetSocketAddress(p.ip(), s.ports().get(0).targetPort()));
    }

    @Override
    public List<LogEntry> accessLog() {
        List<LogEntry> out = new ArrayList<>();
        for (Pod p : pods()) {
            out.addAll(accessLog(p));
        }
        return out;
    }

    /** Reads a proxy's access log from its admin port. */
    public List<LogEntry> accessLog(Pod p) {
        String body = adminGet(p, "/access_log?format=json");
        try {
            List<LogEntry> out = new ArrayList<>();
            for (JsonNode e : json.readTree(body)) {
                out.add(new LogEntry(
                        p.name(),
                        p.labels(),
                        e.path("direction").asText(),
                        e.path("request_id").asText(),
                        e.path("response_code").asInt(),
                        e.path("response_flags").asText(),
                        e.path("upstream_cluster").asText(),
                        text(e, "route_name"),
                        e.path("duration_ms").asDouble(),
                        text(e, "authority"),
                        text(e, "response_code_details"),
                        text(e, "downstream_peer_uri_san"),
                        p.namespace(),
                        text(e, "upstream_host")));
            }
            return out;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("the access log of " + p.name() + " is not JSON: " + e.getMessage(), e);
        }
    }

    /** A JSON field as text, empty when absent or null (an unnamed route, say). */
    private static String text(JsonNode e, String field) {
        JsonNode v = e.get(field);
        return v == null || v.isNull() ? "" : v.asText();
    }

    @Override
    public Optional<String> describeRouting(String workload, String host) {
        XdsResources r = controlPlane.resources(pod(workload).nodeId());
        return r == null ? Optional.empty() : RouteDescriber.describe(r, host);
    }

    @Override
    public Map<String, Long> counters(String workload) {
        Pod p = pod(workload);
        // A pod without a sidecar has no proxy to count anything.
        return p.role() == Pod.ProxyKind.NONE ? Map.of() : parseCounters(adminGet(p, "/stats"));
    }

    /** Envoy's {@code /stats} text ({@code name: value} lines) as counters; gauges and text values are left out. */
    public static Map<String, Long> parseCounters(String text) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int colon = line.lastIndexOf(": ");
            if (colon > 0) {
                try {
                    out.put(
                            line.substring(0, colon),
                            Long.parseLong(line.substring(colon + 2).trim()));
                } catch (NumberFormatException ignored) {
                    // not a number: a text value
                }
            }
        }
        return out;
    }

    @Override
    public String proxyAdminPost(String workload, String path) {
        Pod p = WorkloadLocality.podOf(controlPlane.registry().snapshot().pods().values(), workload)
                .orElseGet(() -> pod(workload));
        URI uri = URI.create("http://" + p.ip() + ":" + ADMIN_PORT + path);
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(uri)
                            .timeout(Duration.ofSeconds(5))
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("POST " + uri + " of " + p.name() + " answered " + r.statusCode() + ": "
                        + r.body().strip());
            }
            if (proxyGet(p, HEALTH_PORT, "/healthz/ready").statusCode() != 200 && p.ready()) {
                // As the kubelet's readiness probe on 15021 sees it: the pod leaves its services' endpoints.
                controlPlane.registry().putPod(WorkloadLocality.notReady(p));
                awaitConverged();
            }
            return r.body();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot POST " + uri + " of " + p.name() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** GET on a proxy's admin port, as any client on the pod network would. */
    public String adminGet(Pod p, String path) {
        return proxyGet(p, ADMIN_PORT, path).body();
    }

    /** GET on one of a proxy's ports (admin 15000, Prometheus 15090) at the pod IP. */
    public HttpResponse<String> proxyGet(Pod p, int port, String path) {
        URI uri = URI.create("http://" + p.ip() + ":" + port + path);
        try {
            return http.send(
                    HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read " + uri + " of " + p.name() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
