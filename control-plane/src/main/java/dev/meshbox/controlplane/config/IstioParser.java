package dev.meshbox.controlplane.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Turns Istio YAML (one or many documents) into validated resources. Accepts networking.istio.io v1alpha3,
 * v1beta1 and v1 for VirtualService, DestinationRule, Gateway, ServiceEntry, WorkloadEntry and Sidecar, and the Gateway API kinds Istio reads
 * ({@link GatewayApi}); everything else is reported by name.
 */
public final class IstioParser {

    public static final String GROUP = "networking.istio.io";
    /** security.istio.io: the policies MeshBox reads, with their accepted versions. */
    public static final String SECURITY_GROUP = "security.istio.io";
    /** telemetry.istio.io: its Telemetry kind. */
    public static final String TELEMETRY_GROUP = "telemetry.istio.io";

    private static final Set<String> SECURITY_KINDS =
            Set.of("RequestAuthentication", "AuthorizationPolicy", "PeerAuthentication");
    private static final Set<String> SECURITY_VERSIONS = Set.of("v1", "v1beta1");
    private static final Set<String> VERSIONS = Set.of("v1alpha3", "v1beta1", "v1");
    private static final Set<String> KINDS =
            Set.of("VirtualService", "DestinationRule", "Gateway", "ServiceEntry", "WorkloadEntry", "Sidecar");

    /** Whether {@code kind} is one of security.istio.io's that MeshBox reads. */
    public static boolean isSecurityKind(String kind) {
        return SECURITY_KINDS.contains(kind);
    }

    private final ObjectMapper yaml;
    private final ObjectMapper writer;

    public IstioParser() {
        this.yaml = new ObjectMapper(new YAMLFactory());
        this.yaml.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        this.writer = new ObjectMapper(YAMLFactory.builder()
                .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                .build());
    }

    /**
     * @param source shown in every problem (a file name, "inline", ...)
     * @param text   the YAML text
     */
    public ParseResult parse(String source, String text) {
        List<IstioResource> resources = new ArrayList<>();
        List<ConfigProblem> problems = new ArrayList<>();
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = yaml.readerFor(JsonNode.class).readValues(text)) {
            while (it.hasNextValue()) {
                docs.add(it.nextValue());
            }
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String where = loc == null ? "" : "line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            problems.add(new ConfigProblem(source, "", where, "is not valid YAML: " + e.getOriginalMessage()));
            return new ParseResult(List.of(), problems);
        } catch (IOException | RuntimeException e) {
            problems.add(new ConfigProblem(source, "", "", "is not valid YAML: " + e.getMessage()));
            return new ParseResult(List.of(), problems);
        }
        int index = 0;
        for (JsonNode doc : docs) {
            index++;
            if (doc == null || doc.isNull() || doc.isMissingNode() || doc.isObject() && doc.isEmpty()) {
                continue; // an empty document between "---" separators, as Istio's samples end with
            }
            YamlNode.Problems p = new YamlNode.Problems(source);
            IstioResource r = document(source, index, docs.size() > 1, doc, p);
            problems.addAll(p.list());
            if (r != null && p.isEmpty()) {
                resources.add(r);
            }
        }
        if (docs.stream().allMatch(d -> d == null || d.isNull() || d.isEmpty()) && problems.isEmpty()) {
            problems.add(new ConfigProblem(source, "", "", "holds no resources"));
        }
        return new ParseResult(List.copyOf(resources), List.copyOf(problems));
    }

    private IstioResource document(String source, int index, boolean many, JsonNode doc, YamlNode.Problems p) {
        String label = many ? "document " + index : "";
        p.resource(label);
        if (!doc.isObject()) {
            p.add("", "must be a Kubernetes-style object with apiVersion, kind, metadata and spec");
            return null;
        }
        YamlNode root = new YamlNode(doc, "", p);
        String apiVersion = root.requiredStr("apiVersion");
        String kind = root.requiredStr("kind");
        YamlNode metadata = root.obj("metadata");
        String name = metadata.requiredStr("name");
        String namespace = metadata.str("namespace").filter(s -> !s.isEmpty()).orElse("default");
        if (!name.isEmpty() && !kind.isEmpty()) {
            p.resource(GatewayApi.keyKind(kind, apiVersion) + " " + namespace + "/" + name);
        }
        if (kind.isEmpty() || apiVersion.isEmpty()) {
            return null;
        }
        String[] gv = apiVersion.split("/", 2);
        String version = gv.length == 2 ? gv[1] : "";
        if (kind.equals(KubeSecretParser.KIND)) {
            return KubeSecretParser.parse(new ResourceMeta(kind, apiVersion, name, namespace, source), root);
        }
        if (kind.equals("Telemetry")) {
            return telemetry(new ResourceMeta(kind, apiVersion, name, namespace, source), doc, root, p);
        }
        boolean security = SECURITY_KINDS.contains(kind);
        boolean gatewayApi =
                GatewayApi.isGatewayApi(apiVersion) || !KINDS.contains(kind) && GatewayApi.VERSIONS.containsKey(kind);
        if (!KINDS.contains(kind) && !GatewayApi.VERSIONS.containsKey(kind) && !security) {
            p.add(
                    "kind",
                    "unknown kind \"" + kind
                            + "\"; expected one of VirtualService, DestinationRule, Gateway, ServiceEntry, WorkloadEntry, Sidecar ("
                            + GROUP
                            + "/v1, v1beta1 or v1alpha3) or Gateway, HTTPRoute, ReferenceGrant ("
                            + GatewayApi.GROUP + ") or RequestAuthentication, AuthorizationPolicy, PeerAuthentication ("
                            + SECURITY_GROUP
                            + "/v1 or v1beta1) or Telemetry (" + TELEMETRY_GROUP
                            + "/v1 or v1alpha1) or Secret (v1, for a Gateway's credentialName)");
            return null;
        }
        if (security) {
            if (gv.length != 2 || !gv[0].equals(SECURITY_GROUP) || !SECURITY_VERSIONS.contains(version)) {
                p.add(
                        "apiVersion",
                        "must be " + SECURITY_GROUP + "/v1 or /v1beta1 for " + kind + ", got \"" + apiVersion + "\"");
                return null;
            }
        } else if (gatewayApi) {
            Set<String> versions = GatewayApi.VERSIONS.getOrDefault(kind, Set.of());
            if (!apiVersion.startsWith(GatewayApi.GROUP + "/") || !versions.contains(version)) {
                p.add(
                        "apiVersion",
                        versions.isEmpty()
                                ? "kind " + kind + " is not a " + GatewayApi.GROUP + " kind MeshBox reads; expected"
                                        + " Gateway, HTTPRoute or ReferenceGrant, got \"" + apiVersion + "\""
                                : "must be " + GatewayApi.GROUP + "/"
                                        + String.join(
                                                " or /",
                                                versions.stream().sorted().toList()) + " for " + kind + ", got \""
                                        + apiVersion + "\"");
                return null;
            }
        } else if (gv.length != 2 || !gv[0].equals(GROUP) || !VERSIONS.contains(version)) {
            p.add(
                    "apiVersion",
                    "must be " + GROUP + "/v1, /v1beta1 or /v1alpha3 for " + kind + ", got \"" + apiVersion + "\"");
            return null;
        }
        if (!name.isEmpty() && !name.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?")) {
            p.add("metadata.name", "must be a lowercase DNS name (a-z, 0-9, '-', '.'), got \"" + name + "\"");
        }
        root.onlyFields(Set.of("apiVersion", "kind", "metadata", "spec", "status"));
        if (!root.has("spec")) {
            p.add("spec", "is required");
            return null;
        }
        YamlNode spec = root.obj("spec");
        ResourceMeta meta = new ResourceMeta(kind, apiVersion, name, namespace, source);
        String text = write(doc);
        if (gatewayApi) {
            return switch (kind) {
                case "Gateway" -> GatewayApiParser.gateway(meta, text, spec);
                case "HTTPRoute" -> GatewayApiParser.httpRoute(meta, text, spec);
                default -> ReferenceGrantParser.parse(meta, text, spec);
            };
        }
        if (security) {
            return switch (kind) {
                case "AuthorizationPolicy" -> AuthorizationPolicyParser.parse(meta, text, spec, metadata);
                case "PeerAuthentication" -> PeerAuthenticationParser.parse(meta, text, spec);
                default -> RequestAuthenticationParser.parse(meta, text, spec);
            };
        }
        return switch (kind) {
            case "VirtualService" -> VirtualServiceParser.parse(meta, text, spec);
            case "DestinationRule" -> DestinationRuleParser.parse(meta, text, spec);
            case "ServiceEntry" -> ServiceEntryParser.parse(meta, text, spec);
            case "WorkloadEntry" -> WorkloadEntryParser.parse(meta, text, spec);
            case "Sidecar" -> SidecarParser.parse(meta, text, spec);
            default -> GatewayParser.parse(meta, text, spec);
        };
    }

    /** telemetry.istio.io Telemetry, v1alpha1 or v1 ({@link TelemetryParser}). */
    private IstioResource telemetry(ResourceMeta meta, JsonNode doc, YamlNode root, YamlNode.Problems p) {
        if (!Set.of(TELEMETRY_GROUP + "/v1", TELEMETRY_GROUP + "/v1alpha1").contains(meta.apiVersion())) {
            p.add(
                    "apiVersion",
                    "must be " + TELEMETRY_GROUP + "/v1 or /v1alpha1 for Telemetry, got \"" + meta.apiVersion() + "\"");
            return null;
        }
        root.onlyFields(Set.of("apiVersion", "kind", "metadata", "spec", "status"));
        return TelemetryParser.parse(meta, write(doc), root.obj("spec"));
    }

    private String write(JsonNode doc) {
        try {
            return writer.writeValueAsString(doc);
        } catch (JsonProcessingException e) {
            return doc.toString();
        }
    }
}
