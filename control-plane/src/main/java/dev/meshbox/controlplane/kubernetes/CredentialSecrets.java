package dev.meshbox.controlplane.kubernetes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.meshbox.controlplane.config.ResourceKey;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Kubernetes Secrets (core/v1) as gateway credentials, as istiod's credential controller reads them for a Gateway
 * server's {@code credentialName}: a Secret with a certificate, key or CA ({@code tls.crt}/{@code tls.key},
 * {@code cert}/{@code key}, {@code ca.crt}/{@code cacert}) becomes the config store's Secret and is served over SDS as
 * {@code kubernetes://NAME}; other Secrets (service account tokens, Helm releases) are left alone.
 */
final class CredentialSecrets {

    static final String KIND = "Secret";
    private static final Set<String> CREDENTIAL_KEYS = Set.of("tls.crt", "tls.key", "cert", "key", "ca.crt", "cacert");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private CredentialSecrets() {}

    /** Whether a document is a v1 Secret (not an Istio kind: written through the core API). */
    static boolean isSecret(JsonNode doc) {
        return KIND.equals(doc.path("kind").asText())
                && "v1".equals(doc.path("apiVersion").asText());
    }

    /**
     * The document as the API server stores it: {@code stringData} merged into {@code data} (base64), as the API
     * server does on write, so the watch delivers the same Secret from any API server.
     */
    static Secret fromYaml(JsonNode doc) {
        ObjectNode copy = doc.deepCopy();
        JsonNode stringData = copy.remove("stringData");
        if (stringData != null && stringData.isObject()) {
            ObjectNode data = copy.has("data") && copy.get("data").isObject()
                    ? (ObjectNode) copy.get("data")
                    : copy.putObject("data");
            stringData
                    .fields()
                    .forEachRemaining(e -> data.put(
                            e.getKey(),
                            Base64.getEncoder()
                                    .encodeToString(e.getValue().asText().getBytes(StandardCharsets.UTF_8))));
        }
        return YAML.convertValue(copy, Secret.class);
    }

    static ResourceKey key(Secret s) {
        return new ResourceKey(
                KIND, s.getMetadata().getNamespace(), s.getMetadata().getName());
    }

    /**
     * The label on what a MeshBox install creates for itself (its webhook's TLS Secret): part of the mesh, not config,
     * so never taken in as a credential nor deleted by a reset of the config.
     */
    static final String INSTALL_LABEL = "meshbox.dev/mesh";

    /**
     * Whether the Secret holds a certificate, key or CA a gateway could be given (and is not one of the install's
     * own).
     */
    static boolean isCredential(Secret s) {
        if (s.getMetadata().getLabels() != null && s.getMetadata().getLabels().containsKey(INSTALL_LABEL)) {
            return false;
        }
        Map<String, String> data = new LinkedHashMap<>();
        if (s.getData() != null) {
            data.putAll(s.getData());
        }
        if (s.getStringData() != null) {
            data.putAll(s.getStringData());
        }
        return data.keySet().stream().anyMatch(CREDENTIAL_KEYS::contains);
    }

    static String source(Secret s) {
        return "kubernetes: Secret " + s.getMetadata().getNamespace() + "/"
                + s.getMetadata().getName();
    }

    /** The Secret as the config store reads one: kind, name, type and data (the API server's bookkeeping left out). */
    static String text(Secret s) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("name", s.getMetadata().getName());
        meta.put("namespace", s.getMetadata().getNamespace());
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("apiVersion", "v1");
        doc.put("kind", KIND);
        doc.put("metadata", meta);
        doc.put("type", s.getType() == null ? "Opaque" : s.getType());
        doc.put("data", s.getData() == null ? Map.of() : s.getData());
        if (s.getStringData() != null && !s.getStringData().isEmpty()) {
            doc.put("stringData", s.getStringData());
        }
        try {
            return YAML.writeValueAsString(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
