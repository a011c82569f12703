package dev.meshbox.proxy.route;

import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** A compiled Envoy {@code RetryPolicy}. */
public record RetryPolicy(
        Set<RetryOn> retryOn,
        int numRetries,
        Duration perTryTimeout,
        Set<Integer> retriableStatusCodes,
        boolean avoidPreviousHosts,
        int hostSelectionMaxAttempts,
        Duration baseInterval,
        Duration maxInterval) {

    /** The retry_on conditions MeshBox understands; the gRPC ones read a trailers-only answer's grpc-status. */
    public enum RetryOn {
        FIVE_XX("5xx"),
        GATEWAY_ERROR("gateway-error"),
        CONNECT_FAILURE("connect-failure"),
        REFUSED_STREAM("refused-stream"),
        RESET("reset"),
        RETRIABLE_4XX("retriable-4xx"),
        RETRIABLE_STATUS_CODES("retriable-status-codes"),
        UNAVAILABLE("unavailable"),
        CANCELLED("cancelled"),
        DEADLINE_EXCEEDED("deadline-exceeded"),
        RESOURCE_EXHAUSTED("resource-exhausted"),
        INTERNAL("internal"),
        ENVOY_RATELIMITED("envoy-ratelimited"),
        HTTP3_POST_CONNECT_FAILURE("http3-post-connect-failure"),
        RESET_BEFORE_REQUEST("reset-before-request");

        private final String wire;

        RetryOn(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        public static RetryOn parse(String token) {
            String t = token.trim().toLowerCase(Locale.ROOT);
            return Arrays.stream(values())
                    .filter(v -> v.wire.equals(t))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown retry_on condition '" + token + "'"));
        }
    }

    public static final RetryPolicy NONE = new RetryPolicy(
            Set.of(), 0, Duration.ZERO, Set.of(), false, 1, Duration.ofMillis(25), Duration.ofMillis(250));

    public RetryPolicy {
        retryOn = retryOn.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(retryOn));
        retriableStatusCodes = Set.copyOf(retriableStatusCodes);
        perTryTimeout = perTryTimeout == null ? Duration.ZERO : perTryTimeout;
        hostSelectionMaxAttempts = Math.max(1, hostSelectionMaxAttempts);
    }

    public boolean has(RetryOn condition) {
        return retryOn.contains(condition);
    }

    public boolean retriesStatus(int status) {
        return (has(RetryOn.FIVE_XX) && status >= 500)
                || (has(RetryOn.GATEWAY_ERROR) && (status == 502 || status == 503 || status == 504))
                || (has(RetryOn.RETRIABLE_4XX) && status == 409)
                || (has(RetryOn.RETRIABLE_STATUS_CODES) && retriableStatusCodes.contains(status));
    }

    public boolean retriesConnectFailure() {
        return has(RetryOn.CONNECT_FAILURE)
                || has(RetryOn.FIVE_XX)
                || has(RetryOn.GATEWAY_ERROR)
                || has(RetryOn.RESET)
                || has(RetryOn.RESET_BEFORE_REQUEST);
    }

    /**
     * As Envoy's {@code x-envoy-retry-grpc-on}: the {@code grpc-status} of a response's headers (a trailers-only
     * answer, which is how a gRPC server fails a call before any message), null when there is none.
     */
    public boolean retriesGrpcStatus(String grpcStatus) {
        if (grpcStatus == null) {
            return false;
        }
        return switch (grpcStatus.trim()) {
            case "1" -> has(RetryOn.CANCELLED);
            case "4" -> has(RetryOn.DEADLINE_EXCEEDED);
            case "8" -> has(RetryOn.RESOURCE_EXHAUSTED);
            case "13" -> has(RetryOn.INTERNAL);
            case "14" -> has(RetryOn.UNAVAILABLE);
            default -> false;
        };
    }

    /** A reset (upstream closed before a complete response) or a per-try timeout. */
    public boolean retriesReset() {
        return has(RetryOn.RESET) || has(RetryOn.FIVE_XX) || has(RetryOn.GATEWAY_ERROR);
    }
}
