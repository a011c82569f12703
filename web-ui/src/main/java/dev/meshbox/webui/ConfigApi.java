package dev.meshbox.webui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.config.ApplyResult;
import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.config.IstioResource;
import dev.meshbox.controlplane.config.ResourceKey;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.xds.ProxyStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Config tab: the applied Istio resources, applying YAML from the editor with each problem placed at its line,
 * and per proxy what it holds and whether it ACKed the latest version (as {@code istioctl proxy-status} and
 * {@code proxy-config} show them).
 */
final class ConfigApi {

    /** The answer to an apply: changes on success, else problems (then nothing was applied). */
    record ApplyAnswer(
            boolean applied, List<String> changes, List<ProblemLines.Located> problems, List<String> warnings) {}

    record Resource(String kind, String namespace, String name, String apiVersion, String source, String yaml) {}

    record TypeView(String wanted, String acked, String nacked, String nackReason, boolean synced) {}

    record ProxyView(
            String pod,
            String workload,
            String kind,
            String ip,
            String nodeId,
            boolean connected,
            boolean synced,
            boolean rejected,
            Map<String, TypeView> types) {}

    static final Duration CONVERGE = Duration.ofSeconds(10);

    private final UiMesh mesh;
    private final java.util.function.UnaryOperator<String> sourceName;
    private final ObjectMapper json = new ObjectMapper();

    /** @param sourceName a resource's source as the page shows it */
    ConfigApi(UiMesh mesh, java.util.function.UnaryOperator<String> sourceName) {
        this.mesh = mesh;
        this.sourceName = sourceName;
    }

    List<Resource> resources() {
        List<Resource> out = new ArrayList<>();
        for (Map.Entry<ResourceKey, IstioResource> e :
                mesh.controlPlane().config().snapshot().resources().entrySet()) {
            ResourceKey k = e.getKey();
            out.add(new Resource(
                    k.kind(),
                    k.namespace(),
                    k.name(),
                    e.getValue().meta().apiVersion(),
                    sourceName.apply(e.getValue().meta().source()),
                    e.getValue().yaml()));
        }
        return out;
    }

    /** Validates and applies, all or nothing, then waits until every proxy has ACKed the result. */
    ApplyAnswer apply(String name, String yaml) {
        ControlPlane cp = mesh.controlPlane();
        ApplyResult r = cp.config().apply(List.of(new ConfigStore.Source(name, yaml)));
        if (!r.ok()) {
            return new ApplyAnswer(false, List.of(), ProblemLines.locate(yaml, r.problems()), cp.warnings());
        }
        awaitConverged(cp);
        return new ApplyAnswer(
                true, r.changes().stream().map(ApplyResult.Change::display).toList(), List.of(), cp.warnings());
    }

    ApplyAnswer delete(ResourceKey key) {
        ControlPlane cp = mesh.controlPlane();
        if (!cp.config().snapshot().resources().containsKey(key)) {
            throw ApiException.notFound("no " + key + " is applied; applied: "
                    + cp.config().snapshot().resources().keySet());
        }
        ApplyResult r = cp.config().delete(List.of(key));
        awaitConverged(cp);
        return new ApplyAnswer(
                true, r.changes().stream().map(ApplyResult.Change::display).toList(), List.of(), cp.warnings());
    }

    private static void awaitConverged(ControlPlane cp) {
        try {
            if (!cp.awaitConverged(CONVERGE)) {
                throw new ApiException(
                        502,
                        "the config was accepted, but proxies rejected it or did not ACK it within "
                                + CONVERGE.toSeconds() + " s:" + cp.describeLagging());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "interrupted while waiting for the proxies' ACK");
        }
    }

    List<ProxyView> proxies() {
        Map<String, ProxyStatus> status = mesh.controlPlane().proxyStatus();
        List<ProxyView> out = new ArrayList<>();
        for (Pod p : mesh.pods()) {
            ProxyStatus s = status.get(p.nodeId());
            Map<String, TypeView> types = new LinkedHashMap<>();
            if (s != null) {
                s.types()
                        .forEach((t, v) -> types.put(
                                t, new TypeView(v.wanted(), v.acked(), v.nacked(), v.nackReason(), v.synced())));
            }
            out.add(new ProxyView(
                    p.name(),
                    p.workload(),
                    p.role() == Pod.ProxyKind.GATEWAY ? "gateway" : "sidecar",
                    p.ip(),
                    p.nodeId(),
                    s != null && s.connected(),
                    s != null && s.synced(),
                    s != null && s.rejected(),
                    types));
        }
        return out;
    }

    Pod pod(String name) {
        return mesh.pods().stream()
                .filter(p -> p.name().equals(name))
                .findFirst()
                .orElseThrow(() -> ApiException.notFound("no proxy \"" + name + "\"; proxies: "
                        + mesh.pods().stream().map(Pod::name).toList()));
    }

    /** What the proxy holds, from its own {@code /config_dump}, with its ACK state at the control plane. */
    Map<String, Object> proxyConfig(String podName) {
        Pod p = pod(podName);
        JsonNode dump;
        try {
            dump = json.readTree(mesh.adminGet(p, "/config_dump"));
        } catch (IOException e) {
            throw new ApiException(502, "the config dump of " + podName + " is not JSON: " + e.getMessage());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(
                "proxy",
                proxies().stream()
                        .filter(v -> v.pod().equals(podName))
                        .findFirst()
                        .orElse(null));
        out.put("tables", ProxyConfigView.of(dump));
        return out;
    }

    String configDump(String podName) {
        return mesh.adminGet(pod(podName), "/config_dump");
    }
}
