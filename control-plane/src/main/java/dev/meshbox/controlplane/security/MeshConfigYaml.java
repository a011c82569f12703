package dev.meshbox.controlplane.security;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link MeshConfigFile.Settings} written back as mesh config YAML (the {@code istio} ConfigMap's {@code data.mesh}),
 * so a control plane in another process (a container, a pod) is handed the same settings the launcher read:
 * {@link MeshConfigFile#read(String, String)} of the text gives the settings back.
 */
public final class MeshConfigYaml {

    private MeshConfigYaml() {}

    /** Only what differs from Istio's defaults, {@code {}} for none (Istio's install writes an empty mesh so). */
    public static String write(MeshConfigFile.Settings settings) {
        Map<String, Object> root = new LinkedHashMap<>();
        if (!settings.outboundTrafficPolicy().equals(MeshConfigFile.Settings.DEFAULTS.outboundTrafficPolicy())) {
            root.put(
                    "outboundTrafficPolicy",
                    Map.of("mode", settings.outboundTrafficPolicy().name()));
        }
        List<Map<String, Object>> providers = new java.util.ArrayList<>(settings.extensionProviders().stream()
                .map(MeshConfigYaml::provider)
                .toList());
        tracing(settings.tracing(), root, providers);
        if (!settings.localityLbSetting().equals(dev.meshbox.controlplane.config.MeshLocalityLb.DEFAULT)) {
            root.put(
                    "localityLbSetting",
                    dev.meshbox.controlplane.config.MeshLocalityLb.write(settings.localityLbSetting()));
        }
        if (!providers.isEmpty()) {
            root.put("extensionProviders", providers);
        }
        if (root.isEmpty()) {
            return "{}\n";
        }
        try {
            return new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER))
                    .writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the mesh config: " + e.getMessage(), e);
        }
    }

    /** The tracing settings where they differ from Istio's defaults, as {@link MeshTracing#read} reads them. */
    private static void tracing(MeshTracing t, Map<String, Object> root, List<Map<String, Object>> providers) {
        MeshTracing d = MeshTracing.DEFAULTS;
        if (t.enableTracing() != d.enableTracing()) {
            root.put("enableTracing", t.enableTracing());
        }
        Map<String, Object> tracing = new LinkedHashMap<>();
        if (t.sampling() != d.sampling()) {
            tracing.put("sampling", t.sampling());
        }
        if (!t.zipkinAddress().equals(d.zipkinAddress())) {
            tracing.put("zipkin", Map.of("address", t.zipkinAddress()));
        }
        if (!tracing.isEmpty()) {
            root.put("defaultConfig", Map.of("tracing", tracing));
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
            root.put("defaultProviders", Map.of("tracing", t.defaultProviders()));
        }
    }

    private static Map<String, Object> provider(ExtAuthzProvider p) {
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
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", p.name());
        out.put("envoyExtAuthzHttp", http);
        return out;
    }

    private static void putList(Map<String, Object> into, String key, List<String> values) {
        if (!values.isEmpty()) {
            into.put(key, values);
        }
    }
}
