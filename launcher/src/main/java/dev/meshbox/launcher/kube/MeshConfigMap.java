package dev.meshbox.launcher.kube;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.meshbox.controlplane.kubernetes.MeshConfigWatcher;
import dev.meshbox.controlplane.security.ExtAuthzProvider;
import dev.meshbox.controlplane.security.MeshConfigFile;
import dev.meshbox.controlplane.security.MeshTracing;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The mesh config on Kubernetes as Istio keeps it: ConfigMap {@code istio} in {@code istio-system}, its key
 * {@code mesh} holding the MeshConfig YAML ({@code --mesh-config FILE}, a scenario's {@code meshConfig:},
 * {@code @MeshTest(meshConfig=...)}), which the control plane reads and watches. Written for every mesh, as Istio's
 * install does: an empty {@code mesh} is Istio's defaults.
 */
final class MeshConfigMap {

    private MeshConfigMap() {}

    static ConfigMap object(String meshId, MeshConfigFile.Settings settings) {
        return new ConfigMapBuilder()
                .withNewMetadata()
                .withName(MeshConfigWatcher.NAME)
                .withNamespace(MeshConfigWatcher.NAMESPACE)
                .addToLabels("app", "istiod")
                .addToLabels(KubeMesh.MANAGED_BY, "meshbox")
                .addToLabels(KubeMesh.MESH, meshId)
                .endMetadata()
                .addToData(MeshConfigWatcher.KEY, yaml(settings))
                .build();
    }

    /** The settings as MeshConfig YAML, only what differs from Istio's defaults ({@code {}} for none). */
    static String yaml(MeshConfigFile.Settings settings) {
        Map<String, Object> mesh = new LinkedHashMap<>();
        if (!settings.outboundTrafficPolicy().equals(MeshConfigFile.Settings.DEFAULTS.outboundTrafficPolicy())) {
            mesh.put(
                    "outboundTrafficPolicy",
                    Map.of("mode", settings.outboundTrafficPolicy().name()));
        }
        List<Object> providers = new ArrayList<>();
        tracing(settings.tracing(), mesh, providers);
        if (!settings.extensionProviders().isEmpty()) {
            for (ExtAuthzProvider p : settings.extensionProviders()) {
                Map<String, Object> http = new LinkedHashMap<>();
                http.put("service", p.service());
                http.put("port", p.port());
                if (!p.pathPrefix().isEmpty()) {
                    http.put("pathPrefix", p.pathPrefix());
                }
                http.put("timeout", p.timeout().toMillis() + "ms");
                http.put("failOpen", p.failOpen());
                http.put("statusOnError", p.statusOnError());
                putList(http, "includeRequestHeadersInCheck", p.includeRequestHeadersInCheck());
                putList(http, "headersToUpstreamOnAllow", p.headersToUpstreamOnAllow());
                putList(http, "headersToDownstreamOnDeny", p.headersToDownstreamOnDeny());
                putList(http, "headersToDownstreamOnAllow", p.headersToDownstreamOnAllow());
                Map<String, Object> provider = new LinkedHashMap<>();
                provider.put("name", p.name());
                provider.put("envoyExtAuthzHttp", http);
                providers.add(provider);
            }
        }
        if (!providers.isEmpty()) {
            mesh.put("extensionProviders", providers);
        }
        if (mesh.isEmpty()) {
            return "{}\n";
        }
        try {
            return new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER))
                    .writeValueAsString(mesh);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The tracing settings where they differ from Istio's defaults, as {@link MeshTracing#read} reads them. */
    private static void tracing(MeshTracing t, Map<String, Object> mesh, List<Object> providers) {
        MeshTracing d = MeshTracing.DEFAULTS;
        if (t.enableTracing() != d.enableTracing()) {
            mesh.put("enableTracing", t.enableTracing());
        }
        Map<String, Object> tracing = new LinkedHashMap<>();
        if (t.sampling() != d.sampling()) {
            tracing.put("sampling", t.sampling());
        }
        if (!t.zipkinAddress().equals(d.zipkinAddress())) {
            tracing.put("zipkin", Map.of("address", t.zipkinAddress()));
        }
        if (!tracing.isEmpty()) {
            mesh.put("defaultConfig", Map.of("tracing", tracing));
        }
        for (MeshTracing.ZipkinProvider z : t.providers().values()) {
            Map<String, Object> zipkin = new LinkedHashMap<>();
            zipkin.put("service", z.service());
            zipkin.put("port", z.port());
            zipkin.put("maxTagLength", z.maxTagLength());
            if (z.w3c()) {
                zipkin.put("traceContextOption", "USE_B3_WITH_W3C_PROPAGATION");
            }
            Map<String, Object> provider = new LinkedHashMap<>();
            provider.put("name", z.name());
            provider.put("zipkin", zipkin);
            providers.add(provider);
        }
        if (!t.defaultProviders().isEmpty()) {
            mesh.put("defaultProviders", Map.of("tracing", t.defaultProviders()));
        }
    }

    private static void putList(Map<String, Object> into, String key, List<String> values) {
        if (!values.isEmpty()) {
            into.put(key, values);
        }
    }
}
