package dev.meshbox.proxy.http;

import dev.meshbox.proxy.tracing.TracingConfig;
import java.util.List;

/** Test access to {@link RequestTracing}'s sampling decision. */
public final class RequestTracingAccess {

    private RequestTracingAccess() {}

    public static boolean decide(double randomSampling, long requestKey) {
        TracingConfig c = new TracingConfig(100, randomSampling, 100, null, null, false, 0, List.of());
        return RequestTracing.decide(c, requestKey, false, false);
    }
}
