package dev.meshbox.proxy.tracing;

import java.util.List;

/**
 * A connection manager's {@code tracing} as the proxy keeps it: the three sampling percentages Envoy reads
 * ({@code client_sampling} for {@code x-client-trace-id}, {@code random_sampling}, {@code overall_sampling}), the
 * Zipkin provider's collector (its cluster and endpoint; null cluster when the provider is left out, as Istio does
 * for {@code disableSpanReporting}: headers still propagate, nothing is reported), whether W3C {@code traceparent} is
 * written too, the longest {@code http.url} tag and the custom tags.
 */
public record TracingConfig(
        double clientSampling,
        double randomSampling,
        double overallSampling,
        String collectorCluster,
        String collectorEndpoint,
        boolean w3c,
        int maxPathTagLength,
        List<CustomTag> customTags) {

    /** Envoy's default {@code max_path_tag_length}. */
    public static final int DEFAULT_MAX_PATH_TAG_LENGTH = 256;

    public TracingConfig {
        customTags = List.copyOf(customTags);
        maxPathTagLength = maxPathTagLength <= 0 ? DEFAULT_MAX_PATH_TAG_LENGTH : maxPathTagLength;
    }

    /** Whether spans are reported anywhere. */
    public boolean reports() {
        return collectorCluster != null && !collectorCluster.isEmpty();
    }

    /** Envoy's {@code type.tracing.v3.CustomTag}: a literal, an environment variable or a request header. */
    public record CustomTag(String tag, Kind kind, String name, String defaultValue) {
        /** Where the value comes from; for LITERAL, {@code defaultValue} is the value. */
        public enum Kind {
            LITERAL,
            ENVIRONMENT,
            REQUEST_HEADER
        }
    }
}
