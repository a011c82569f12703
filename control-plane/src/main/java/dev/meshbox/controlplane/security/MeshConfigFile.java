package dev.meshbox.controlplane.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The part of Istio's mesh config ({@code data.mesh} of the {@code istio} ConfigMap) MeshBox reads: its
 * {@code extensionProviders} of kind {@code envoyExtAuthzHttp}, for CUSTOM AuthorizationPolicies, and
 * {@code outboundTrafficPolicy.mode}, the tracing settings ({@link MeshTracing}) and {@code localityLbSetting}
 * ({@link dev.meshbox.controlplane.config.MeshLocalityLb}). Other keys are ignored; a provider of another kind, or a bad field, is an error
 * naming the file and the field.
 */
public final class MeshConfigFile {

    /** What a mesh config file sets; {@link #DEFAULTS} is Istio's default mesh config. */
    public record Settings(
            List<ExtAuthzProvider> extensionProviders,
            dev.meshbox.controlplane.config.OutboundTrafficPolicy outboundTrafficPolicy,
            MeshTracing tracing,
            dev.meshbox.controlplane.config.DestinationRule.LocalityLbSetting localityLbSetting) {
        public static final Settings DEFAULTS =
                new Settings(List.of(), dev.meshbox.controlplane.config.OutboundTrafficPolicy.ALLOW_ANY);

        public Settings {
            extensionProviders = List.copyOf(extensionProviders);
            tracing = tracing == null ? MeshTracing.DEFAULTS : tracing;
            localityLbSetting = localityLbSetting == null
                    ? dev.meshbox.controlplane.config.MeshLocalityLb.DEFAULT
                    : localityLbSetting;
        }

        public Settings(
                List<ExtAuthzProvider> extensionProviders,
                dev.meshbox.controlplane.config.OutboundTrafficPolicy outboundTrafficPolicy,
                MeshTracing tracing) {
            this(extensionProviders, outboundTrafficPolicy, tracing, null);
        }

        public Settings(
                List<ExtAuthzProvider> extensionProviders,
                dev.meshbox.controlplane.config.OutboundTrafficPolicy outboundTrafficPolicy) {
            this(extensionProviders, outboundTrafficPolicy, MeshTracing.DEFAULTS);
        }

        /** The security options with these settings. */
        public SecurityOptions applyTo(SecurityOptions options) {
            return options.withExtensionProviders(extensionProviders)
                    .withOutboundTrafficPolicy(outboundTrafficPolicy)
                    .withTracing(tracing)
                    .withLocalityLbSetting(localityLbSetting);
        }
    }

    /** Reads {@code file} whole; throws IllegalArgumentException naming the file and field on bad input. */
    public static Settings read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read the mesh config: " + e.getMessage(), e);
        }
        return read(file.toString(), text);
    }

    public static Settings read(String source, String yaml) {
        return new Settings(
                extensionProviders(source, yaml),
                outboundTrafficPolicy(source, yaml),
                MeshTracing.read(source, yaml),
                dev.meshbox.controlplane.config.MeshLocalityLb.read(source, yaml));
    }

    /** {@code outboundTrafficPolicy.mode}; ALLOW_ANY, Istio's default, when left out. */
    public static dev.meshbox.controlplane.config.OutboundTrafficPolicy outboundTrafficPolicy(
            String source, String yaml) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": not YAML: " + e.getMessage(), e);
        }
        if (root == null || !root.has("outboundTrafficPolicy")) {
            return dev.meshbox.controlplane.config.OutboundTrafficPolicy.ALLOW_ANY;
        }
        JsonNode policy = root.get("outboundTrafficPolicy");
        if (!policy.isObject()) {
            throw bad(source, "outboundTrafficPolicy", "must be an object such as {mode: REGISTRY_ONLY}");
        }
        policy.fieldNames().forEachRemaining(f -> {
            if (!f.equals("mode")) {
                throw bad(source, "outboundTrafficPolicy." + f, "unknown field; known: [mode]");
            }
        });
        String mode = policy.path("mode").asText("ALLOW_ANY");
        for (dev.meshbox.controlplane.config.OutboundTrafficPolicy p :
                dev.meshbox.controlplane.config.OutboundTrafficPolicy.values()) {
            if (p.name().equals(mode)) {
                return p;
            }
        }
        throw bad(source, "outboundTrafficPolicy.mode", "must be ALLOW_ANY or REGISTRY_ONLY, got \"" + mode + "\"");
    }

    private static final Set<String> HTTP_FIELDS = Set.of(
            "service",
            "port",
            "pathPrefix",
            "timeout",
            "failOpen",
            "statusOnError",
            "includeRequestHeadersInCheck",
            "includeHeadersInCheck",
            "headersToUpstreamOnAllow",
            "headersToDownstreamOnDeny",
            "headersToDownstreamOnAllow");

    private MeshConfigFile() {}

    /** Reads {@code file}; throws IllegalArgumentException naming the file and field on bad input. */
    public static List<ExtAuthzProvider> extensionProviders(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read the mesh config: " + e.getMessage(), e);
        }
        return extensionProviders(file.toString(), text);
    }

    public static List<ExtAuthzProvider> extensionProviders(String source, String yaml) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": not YAML: " + e.getMessage(), e);
        }
        List<ExtAuthzProvider> out = new ArrayList<>();
        if (root == null || !root.has("extensionProviders")) {
            return out;
        }
        JsonNode list = root.get("extensionProviders");
        if (!list.isArray()) {
            throw bad(source, "extensionProviders", "must be a list");
        }
        Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode p = list.get(i);
            String at = "extensionProviders[" + i + "]";
            String name = p.path("name").asText("");
            if (name.isEmpty()) {
                throw bad(source, at + ".name", "is required");
            }
            if (!names.add(name)) {
                throw bad(source, at + ".name", "\"" + name + "\" is already used by another provider");
            }
            JsonNode http = p.get("envoyExtAuthzHttp");
            if (http == null && p.has("zipkin")) {
                continue; // a tracing provider: MeshTracing reads it
            }
            if (http == null) {
                List<String> kinds = new ArrayList<>();
                p.fieldNames().forEachRemaining(k -> {
                    if (!k.equals("name")) {
                        kinds.add(k);
                    }
                });
                throw bad(source, at, "only envoyExtAuthzHttp and zipkin providers are supported, got " + kinds);
            }
            out.add(http(source, at + ".envoyExtAuthzHttp", name, http));
        }
        return List.copyOf(out);
    }

    private static ExtAuthzProvider http(String source, String at, String name, JsonNode n) {
        n.fieldNames().forEachRemaining(f -> {
            if (!HTTP_FIELDS.contains(f)) {
                throw bad(source, at + "." + f, "unknown field; known: " + new java.util.TreeSet<>(HTTP_FIELDS));
            }
        });
        String service = n.path("service").asText("");
        if (service.isEmpty()) {
            throw bad(source, at + ".service", "is required, e.g. ext-authz.foo.svc.cluster.local");
        }
        int port = n.path("port").asInt(-1);
        if (port < 1 || port > 65535) {
            throw bad(source, at + ".port", "must be a port number between 1 and 65535, got " + n.path("port"));
        }
        String pathPrefix = n.path("pathPrefix").asText("");
        if (!pathPrefix.isEmpty() && !pathPrefix.startsWith("/")) {
            throw bad(source, at + ".pathPrefix", "must start with \"/\", got \"" + pathPrefix + "\"");
        }
        Duration timeout = ExtAuthzProvider.DEFAULT_TIMEOUT;
        if (n.has("timeout")) {
            String t = n.get("timeout").asText();
            try {
                timeout = t.endsWith("ms")
                        ? Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)))
                        : Duration.ofMillis(Math.round(Double.parseDouble(t.replaceAll("s$", "")) * 1000));
            } catch (NumberFormatException e) {
                throw bad(source, at + ".timeout", "must be a duration such as 0.5s or 200ms, got \"" + t + "\"");
            }
        }
        int status = n.path("statusOnError").asInt(403);
        List<String> include = strings(n, "includeRequestHeadersInCheck");
        if (include.isEmpty()) {
            include = strings(n, "includeHeadersInCheck"); // its deprecated name
        }
        return new ExtAuthzProvider(
                name,
                service,
                port,
                pathPrefix,
                timeout,
                n.path("failOpen").asBoolean(false),
                status,
                include,
                strings(n, "headersToUpstreamOnAllow"),
                strings(n, "headersToDownstreamOnDeny"),
                strings(n, "headersToDownstreamOnAllow"));
    }

    private static List<String> strings(JsonNode n, String field) {
        List<String> out = new ArrayList<>();
        n.path(field).forEach(v -> out.add(v.asText()));
        return out;
    }

    private static IllegalArgumentException bad(String source, String field, String message) {
        return new IllegalArgumentException(source + ": " + field + ": " + message);
    }
}
