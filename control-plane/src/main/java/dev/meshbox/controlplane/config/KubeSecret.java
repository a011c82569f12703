package dev.meshbox.controlplane.config;

import java.util.Map;
import java.util.Optional;

/**
 * A Kubernetes Secret (v1), as Istio's gateways read one named by a Gateway server's {@code credentialName}: the
 * certificate and key ({@code tls.crt} / {@code tls.key}, or a generic Secret's {@code cert} / {@code key}) and the CA
 * that client certificates must chain to ({@code ca.crt} or {@code cacert}), each as PEM text. Only these keys are
 * read; the rest of the data is kept but never served.
 *
 * @param type {@code kubernetes.io/tls}, {@code Opaque}, ...
 * @param data the decoded data by key
 */
public record KubeSecret(ResourceMeta meta, String yaml, String type, Map<String, String> data)
        implements IstioResource {

    public KubeSecret {
        data = Map.copyOf(data);
    }

    public Optional<String> certificateChain() {
        return first("tls.crt", "cert");
    }

    public Optional<String> privateKey() {
        return first("tls.key", "key");
    }

    public Optional<String> caCertificates() {
        return first("ca.crt", "cacert");
    }

    private Optional<String> first(String a, String b) {
        return Optional.ofNullable(data.get(a)).or(() -> Optional.ofNullable(data.get(b)));
    }
}
