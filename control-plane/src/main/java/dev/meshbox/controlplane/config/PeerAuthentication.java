package dev.meshbox.controlplane.config;

import java.util.Map;

/**
 * security.istio.io PeerAuthentication, validated: whether the selected workloads accept mutual TLS, plaintext or
 * both. In the root namespace ({@code istio-system}) without a selector it is mesh-wide; elsewhere without a selector
 * it covers its namespace; with {@code selector.matchLabels} it covers those workloads, and only then may it set
 * {@code portLevelMtls}, keyed by the workload's (container) port.
 *
 * @param selector the workload selector's {@code matchLabels}; empty for a mesh- or namespace-wide policy
 * @param selectorWithoutLabels whether {@code selector} was written but names no labels (Istio warns, and the policy
 *     then applies namespace-wide)
 * @param mode {@code mtls.mode}; {@link Mode#UNSET} (also when {@code mtls} is left out) inherits from the wider scope
 * @param portLevelMtls per target port, the mode that overrides {@code mode} there
 */
public record PeerAuthentication(
        ResourceMeta meta,
        String yaml,
        Map<String, String> selector,
        boolean selectorWithoutLabels,
        Mode mode,
        Map<Integer, Mode> portLevelMtls)
        implements IstioResource {

    /** Istio's root namespace: a policy here without a selector is mesh-wide. */
    public static final String ROOT_NAMESPACE = "istio-system";

    /** {@code MutualTLS.Mode}. */
    public enum Mode {
        /** Inherit from the parent scope; a mesh-wide UNSET is PERMISSIVE. */
        UNSET,
        /** Plaintext only. */
        DISABLE,
        /** Mutual TLS and plaintext. */
        PERMISSIVE,
        /** Mutual TLS only. */
        STRICT
    }

    public PeerAuthentication {
        selector = Map.copyOf(selector);
        portLevelMtls = Map.copyOf(portLevelMtls);
    }

    /** Whether the policy names workloads (a selector with labels), rather than a namespace or the mesh. */
    public boolean workloadScoped() {
        return !selector.isEmpty();
    }
}
