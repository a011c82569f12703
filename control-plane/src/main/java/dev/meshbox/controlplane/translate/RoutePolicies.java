package dev.meshbox.controlplane.translate;

import com.google.protobuf.UInt32Value;
import dev.meshbox.controlplane.config.VirtualService;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A VirtualService rule's retries and fault as Envoy's retry policy and fault filter config, as Istio writes them. */
final class RoutePolicies {

    private RoutePolicies() {}

    static Optional<RetryPolicy> retry(Optional<VirtualService.Retry> retries) {
        if (retries.isEmpty()) {
            return Optional.of(RouteTranslator.defaultRetryPolicy());
        }
        VirtualService.Retry rt = retries.get();
        if (rt.attempts() == 0) {
            return Optional.empty(); // attempts: 0 turns retries off
        }
        RetryPolicy.Builder p =
                RouteTranslator.defaultRetryPolicy().toBuilder().setNumRetries(UInt32Value.of(rt.attempts()));
        rt.perTryTimeout().ifPresent(d -> p.setPerTryTimeout(ClusterTranslator.protoDuration(d)));
        if (rt.retryOn().isPresent()) {
            List<String> policies = new ArrayList<>();
            for (String part : rt.retryOn().get().split(",")) {
                String s = part.trim();
                if (s.matches("\\d{3}")) {
                    p.addRetriableStatusCodes(Integer.parseInt(s));
                    if (!policies.contains("retriable-status-codes")) {
                        policies.add("retriable-status-codes");
                    }
                } else if (!policies.contains(s)) {
                    policies.add(s);
                }
            }
            p.setRetryOn(String.join(",", policies));
        }
        return Optional.of(p.build());
    }

    static HTTPFault fault(VirtualService.Fault f) {
        HTTPFault.Builder b = HTTPFault.newBuilder();
        f.delay()
                .ifPresent(d -> b.setDelay(FaultDelay.newBuilder()
                        .setFixedDelay(ClusterTranslator.protoDuration(d.fixedDelay()))
                        .setPercentage(RouteTranslator.fraction(d.percentage()))));
        f.abort().ifPresent(a -> {
            FaultAbort.Builder abort = FaultAbort.newBuilder().setPercentage(RouteTranslator.fraction(a.percentage()));
            if (a.grpcStatus() >= 0) {
                abort.setGrpcStatus(a.grpcStatus());
            } else {
                abort.setHttpStatus(a.httpStatus());
            }
            b.setAbort(abort);
        });
        return b.build();
    }
}
