package dev.meshbox.controlplane.config;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads a v1 Secret as {@code kubectl apply} takes one: {@code data} base64-encoded, {@code stringData} as text
 * (winning over {@code data} for the same key, as the API server merges them). A {@code kubernetes.io/tls} Secret
 * needs {@code tls.crt} and {@code tls.key}, as the API server requires.
 */
final class KubeSecretParser {

    static final String KIND = "Secret";
    private static final String TLS_TYPE = "kubernetes.io/tls";

    private KubeSecretParser() {}

    private static String digest(Map<String, String> data) {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            new java.util.TreeMap<>(data).forEach((k, v) -> {
                md.update(k.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
                md.update(v.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            });
            return java.util.HexFormat.of().formatHex(md.digest(), 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static KubeSecret parse(ResourceMeta meta, YamlNode root) {
        root.onlyFields(Set.of("apiVersion", "kind", "metadata", "type", "data", "stringData", "immutable"));
        if (!meta.apiVersion().equals("v1")) {
            root.problems().add("apiVersion", "must be v1 for Secret, got \"" + meta.apiVersion() + "\"");
        }
        if (!meta.name().isEmpty() && !meta.name().matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?")) {
            root.problems()
                    .add(
                            "metadata.name",
                            "must be a lowercase DNS name (a-z, 0-9, '-', '.'), got \"" + meta.name() + "\"");
        }
        String type = root.str("type").orElse("Opaque");
        Map<String, String> data = new LinkedHashMap<>();
        root.stringMap("data").forEach((k, v) -> {
            try {
                data.put(k, new String(Base64.getMimeDecoder().decode(v), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                root.problems().add("data." + k, "must be base64-encoded (use stringData for plain text)");
                data.put(k, ""); // present, if unreadable: not also reported as missing
            }
        });
        data.putAll(root.stringMap("stringData"));
        if (type.equals(TLS_TYPE)) {
            for (String key : new String[] {"tls.crt", "tls.key"}) {
                if (!data.containsKey(key)) {
                    root.problems().add("data[" + key + "]", "Required value");
                }
            }
        }
        // The keys and certificates are not echoed back: what is kept for display names the keys, with a digest of
        // the data so that a changed Secret (a rotation) is a change to the store.
        String shown = "type: " + type + "\ndata: "
                + data.keySet().stream().sorted().toList() + "\nsha256: " + digest(data) + "\n";
        return new KubeSecret(meta, shown, type, data);
    }
}
