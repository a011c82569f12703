package dev.meshbox.controlplane.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * telemetry.istio.io Telemetry (v1alpha1 and v1), its {@code tracing} part: which provider gets the spans, the random
 * sampling percentage, custom tags and whether span reporting is off. In the root namespace ({@code istio-system})
 * without a selector it is mesh-wide; elsewhere without a selector it covers its namespace; with
 * {@code selector.matchLabels} (or {@code targetRefs}' absence) it covers those workloads. The narrowest scope wins
 * field by field, as Istio's {@code computed telemetry} merges them ({@code pilot/pkg/model/telemetry.go}).
 *
 * @param selector the workload selector's {@code matchLabels}; empty for a mesh- or namespace-wide resource
 * @param tracing the {@code spec.tracing} entries; Istio reads the first
 */
public record Telemetry(ResourceMeta meta, String yaml, Map<String, String> selector, List<Tracing> tracing)
        implements IstioResource {

    /** Istio's root namespace: a Telemetry here without a selector is mesh-wide. */
    public static final String ROOT_NAMESPACE = "istio-system";

    public Telemetry {
        selector = Map.copyOf(selector);
        tracing = List.copyOf(tracing);
    }

    /**
     * One {@code spec.tracing[]} entry; every field is optional and an absent one inherits from the wider scope.
     *
     * @param providers the provider names ({@code providers[].name}); empty inherits
     * @param randomSamplingPercentage 0..100
     * @param disableSpanReporting whether spans are not reported (headers still propagate)
     * @param customTags tag name to its value source
     */
    public record Tracing(
            List<String> providers,
            Optional<Double> randomSamplingPercentage,
            Optional<Boolean> disableSpanReporting,
            Map<String, CustomTag> customTags) {
        public Tracing {
            providers = List.copyOf(providers);
            customTags = Map.copyOf(customTags);
        }
    }

    /**
     * A custom tag's value: a literal, an environment variable of the proxy (with a default), or a request header
     * (with a default).
     */
    public record CustomTag(Kind kind, String name, String value) {
        /** Where the value comes from. */
        public enum Kind {
            LITERAL,
            ENVIRONMENT,
            HEADER
        }
    }

    /** Whether this Telemetry applies to a workload of {@code namespace} with {@code labels}. */
    public boolean selects(String namespace, Map<String, String> labels) {
        if (selector.isEmpty()) {
            return meta.namespace().equals(namespace) || meta.namespace().equals(ROOT_NAMESPACE);
        }
        return meta.namespace().equals(namespace)
                && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }
}
