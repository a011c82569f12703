package dev.meshbox.webui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.controlplane.config.IstioResource;
import dev.meshbox.controlplane.config.ResourceKey;
import dev.meshbox.controlplane.gatewayapi.ResourceStatus;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.xds.ProxyStatus;
import dev.meshbox.scenarios.MeshAccess;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The Config tab: the applied Istio resources, applying YAML from the editor with each problem placed at its line,
 * and per proxy what it holds and whether it ACKed the latest version (as {@code istioctl proxy-status} and
 * {@code proxy-config} show them).
 */
final class ConfigApi {

    /** The answer to an apply: changes on success, else problems (then nothing was applied). */
    record ApplyAnswer(
            boolean applied, List<String> changes, List<ProblemLines.Located> problems, List<String> warnings) {}

    /**
     * @param status a Gateway API resource's conditions as Istio would write them, one line each ({@code Accepted=True
     *     (Accepted): Route was valid}, prefixed by the parent for a route); empty for the Istio kinds
     */
    record Resource(
            String kind,
            String namespace,
            String name,
            String apiVersion,
            String source,
            String yaml,
            List<Condition> status) {}

    /** One status condition as the page shows it. */
    record Condition(String parent, String type, boolean ok, String reason, String message) {}

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
        Map<ResourceKey, ResourceStatus> statuses = mesh.controlPlane().gatewayApiStatus();
        for (Map.Entry<ResourceKey, IstioResource> e :
                mesh.controlPlane().config().snapshot().resources().entrySet()) {
            ResourceKey k = e.getKey();
            out.add(new Resource(
                    k.kind(),
                    k.namespace(),
                    k.name(),
                    e.getValue().meta().apiVersion(),
                    sourceName.apply(e.getValue().meta().source()),
                    e.getValue().yaml(),
                    conditions(statuses.get(k))));
        }
        return out;
    }

    private static List<Condition> conditions(ResourceStatus s) {
        List<Condition> out = new ArrayList<>();
        if (s != null) {
            s.conditions().forEach(c -> out.add(new Condition("", c.type(), c.status(), c.reason(), c.message())));
            s.parents()
                    .forEach(p -> p.conditions()
                            .forEach(c -> out.add(
                                    new Condition(p.parentRef(), c.type(), c.status(), c.reason(), c.message()))));
        }
        return out;
    }

    /**
     * Validates and applies, all or nothing, then waits until every proxy has ACKed the result: through the mesh's own
     * writer ({@link UiMesh#access()}), as {@code meshbox apply} and scenarios apply, so that on a backend that keeps
     * config elsewhere (Kubernetes' custom resources) an edit lands there too.
     */
    ApplyAnswer apply(String name, String yaml) {
        MeshAccess.ApplyOutcome outcome =
                converged(() -> mesh.access().apply(List.of(new MeshAccess.ConfigText(name, yaml))));
        if (!outcome.ok()) {
            return new ApplyAnswer(false, List.of(), ProblemLines.locate(yaml, name, outcome.problems()), warnings());
        }
        return new ApplyAnswer(true, outcome.changes(), List.of(), warnings());
    }

    ApplyAnswer delete(ResourceKey key) {
        Map<ResourceKey, IstioResource> applied =
                mesh.controlPlane().config().snapshot().resources();
        if (!applied.containsKey(key)) {
            throw ApiException.notFound("no " + key + " is applied; applied: " + applied.keySet());
        }
        MeshAccess.ApplyOutcome outcome = converged(() -> mesh.delete(List.of(key)));
        if (!outcome.ok()) {
            throw new ApiException(422, "deleting " + key + " failed: " + String.join("; ", outcome.problems()));
        }
        return new ApplyAnswer(true, outcome.changes(), List.of(), warnings());
    }

    /** A change the control plane took but the proxies did not ACK in time (or NACKed) is the mesh failing: 502. */
    private static MeshAccess.ApplyOutcome converged(Supplier<MeshAccess.ApplyOutcome> change) {
        try {
            return change.get();
        } catch (IllegalStateException e) {
            throw new ApiException(502, "the config was accepted, but " + e.getMessage());
        }
    }

    private List<String> warnings() {
        return mesh.controlPlane().warnings();
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
        out.put("certificate", certificate(p));
        return out;
    }

    /** The proxy's workload certificate from its {@code /certs}, or why there is none to show. */
    private Map<String, Object> certificate(Pod p) {
        Map<String, Object> out = new LinkedHashMap<>();
        try {
            CertificateView.of(json.readTree(mesh.adminGet(p, "/certs")), java.time.Instant.now())
                    .ifPresentOrElse(
                            c -> {
                                out.put("workload", c.workload());
                                out.put("roots", c.roots());
                            },
                            () -> out.put(
                                    "none",
                                    "no workload certificate: SDS has not delivered one (mutual TLS is off or the proxy is starting)"));
        } catch (IOException | RuntimeException e) {
            out.put("none", "the proxy's /certs is not readable: " + e.getMessage());
        }
        return out;
    }

    String configDump(String podName) {
        return mesh.adminGet(pod(podName), "/config_dump");
    }
}
