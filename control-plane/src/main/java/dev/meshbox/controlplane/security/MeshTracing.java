package dev.meshbox.controlplane.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The mesh config's tracing settings: {@code enableTracing}, {@code defaultConfig.tracing.sampling} (Istio's default
 * 1 %; the demo profile's 100), {@code defaultConfig.tracing.zipkin.address} (the default {@code zipkin} provider,
 * {@code zipkin.istio-system:9411}), the {@code zipkin} entries of {@code extensionProviders} and
 * {@code defaultProviders.tracing}. {@link #DEFAULTS} is Istio's default mesh config.
 *
 * @param enableTracing whether the proxies trace at all
 * @param sampling the random sampling percentage, 0..100
 * @param zipkinAddress {@code host:port} of the default collector
 * @param providers the zipkin extension providers by name
 * @param defaultProviders {@code defaultProviders.tracing}: the provider used where no Telemetry names one
 * @param proxySampling per node id, the {@code tracing.sampling} of the proxy's own {@code ProxyConfig} (the pod's
 *     {@code proxy.istio.io/config} annotation, sent as node metadata {@code PROXY_CONFIG}), overriding
 *     {@code sampling} for that proxy
 */
public record MeshTracing(
        boolean enableTracing,
        double sampling,
        String zipkinAddress,
        Map<String, ZipkinProvider> providers,
        List<String> defaultProviders,
        Map<String, Double> proxySampling) {

    /** Istio's built-in provider name: the collector at {@link #zipkinAddress}. */
    public static final String DEFAULT_PROVIDER = "zipkin";

    public static final MeshTracing DEFAULTS =
            new MeshTracing(true, 1.0, "zipkin.istio-system:9411", Map.of(), List.of());

    /** A {@code zipkin} extension provider: where the collector is, and how long a tag value may be. */
    public record ZipkinProvider(String name, String service, int port, int maxTagLength, boolean w3c) {}

    public MeshTracing {
        providers = Map.copyOf(providers);
        defaultProviders = List.copyOf(defaultProviders);
        proxySampling = proxySampling == null ? Map.of() : Map.copyOf(proxySampling);
    }

    public MeshTracing(
            boolean enableTracing,
            double sampling,
            String zipkinAddress,
            Map<String, ZipkinProvider> providers,
            List<String> defaultProviders) {
        this(enableTracing, sampling, zipkinAddress, providers, defaultProviders, Map.of());
    }

    /** These settings with another sampling percentage ({@code up --tracing} sets 100, as Istio's demo profile). */
    public MeshTracing withSampling(double value) {
        return new MeshTracing(enableTracing, value, zipkinAddress, providers, defaultProviders, proxySampling);
    }

    /** These settings with the proxies' own {@code ProxyConfig} sampling, by node id. */
    public MeshTracing withProxySampling(Map<String, Double> byNode) {
        return new MeshTracing(enableTracing, sampling, zipkinAddress, providers, defaultProviders, byNode);
    }

    /**
     * The percentage for the proxy {@code nodeId} where no Telemetry sets one: its {@code ProxyConfig}'s (pod
     * annotation), else the mesh config's {@code defaultConfig}, Istio's order.
     */
    public double sampling(String nodeId) {
        return proxySampling.getOrDefault(nodeId, sampling);
    }

    /** The names a Telemetry may use as a tracing provider. */
    public Set<String> providerNames() {
        Set<String> names = new TreeSet<>(providers.keySet());
        names.add(DEFAULT_PROVIDER);
        return names;
    }

    /**
     * The provider named {@code name}: an extension provider, else the built-in {@code zipkin} default at
     * {@link #zipkinAddress}.
     */
    public ZipkinProvider provider(String name) {
        ZipkinProvider p = providers.get(name);
        if (p != null) {
            return p;
        }
        int colon = zipkinAddress.lastIndexOf(':');
        String host = colon < 0 ? zipkinAddress : zipkinAddress.substring(0, colon);
        int port = colon < 0 ? 9411 : Integer.parseInt(zipkinAddress.substring(colon + 1));
        return new ZipkinProvider(DEFAULT_PROVIDER, host, port, 256, false);
    }

    /** Reads the tracing settings of a mesh config; throws IllegalArgumentException naming the file and field. */
    public static MeshTracing read(String source, String yaml) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": not YAML: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            return DEFAULTS;
        }
        boolean enable = root.path("enableTracing").asBoolean(true);
        JsonNode tracing = root.path("defaultConfig").path("tracing");
        double sampling = DEFAULTS.sampling();
        if (tracing.has("sampling")) {
            JsonNode s = tracing.get("sampling");
            if (!s.isNumber() || s.asDouble() < 0 || s.asDouble() > 100) {
                throw bad(source, "defaultConfig.tracing.sampling", "must be a number in range [0.0, 100.0], got " + s);
            }
            sampling = s.asDouble();
        }
        String address = tracing.path("zipkin").path("address").asText(DEFAULTS.zipkinAddress());
        if (!address.matches("[^:]+(:\\d{1,5})?")) {
            throw bad(source, "defaultConfig.tracing.zipkin.address", "must be host:port, got \"" + address + "\"");
        }
        Map<String, ZipkinProvider> providers = new LinkedHashMap<>();
        JsonNode list = root.path("extensionProviders");
        for (int i = 0; i < list.size(); i++) {
            JsonNode p = list.get(i);
            JsonNode z = p.get("zipkin");
            if (z == null) {
                continue;
            }
            String at = "extensionProviders[" + i + "].zipkin";
            String service = z.path("service").asText("");
            if (service.isEmpty()) {
                throw bad(source, at + ".service", "is required, e.g. zipkin.istio-system.svc.cluster.local");
            }
            int port = z.path("port").asInt(-1);
            if (port < 1 || port > 65535) {
                throw bad(source, at + ".port", "must be a port number between 1 and 65535, got " + z.path("port"));
            }
            String option = z.path("traceContextOption").asText("USE_B3");
            if (!option.equals("USE_B3") && !option.equals("USE_B3_WITH_W3C_PROPAGATION")) {
                throw bad(
                        source,
                        at + ".traceContextOption",
                        "must be USE_B3 or USE_B3_WITH_W3C_PROPAGATION, got \"" + option + "\"");
            }
            providers.put(
                    p.path("name").asText(),
                    new ZipkinProvider(
                            p.path("name").asText(),
                            service,
                            port,
                            z.path("maxTagLength").asInt(256),
                            option.equals("USE_B3_WITH_W3C_PROPAGATION")));
        }
        List<String> defaults = new java.util.ArrayList<>();
        root.path("defaultProviders").path("tracing").forEach(n -> defaults.add(n.asText()));
        for (String d : defaults) {
            if (!d.equals(DEFAULT_PROVIDER) && !providers.containsKey(d)) {
                throw bad(source, "defaultProviders.tracing", "names no zipkin extension provider: \"" + d + "\"");
            }
        }
        return new MeshTracing(enable, sampling, address, providers, defaults);
    }

    private static IllegalArgumentException bad(String source, String field, String message) {
        return new IllegalArgumentException(source + ": " + field + ": " + message);
    }
}
