package dev.meshbox.proxy.spec;

import dev.meshbox.proxy.route.FaultPolicy;
import dev.meshbox.proxy.route.FilterConfig;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import java.time.Duration;
import java.util.Set;

/**
 * {@code envoy.filters.http.fault}: a fixed delay and an HTTP abort, each for a share of requests. Istio configures
 * it empty on every connection manager and sets a route's faults in its {@code typed_per_filter_config}.
 */
public final class FaultFilterType implements HttpFilterType {

    public static final String NAME = "envoy.filters.http.fault";
    public static final String TYPE_URL = HttpFilterType.typeUrlOf(HTTPFault.getDefaultInstance());

    @Override
    public String typeUrl() {
        return TYPE_URL;
    }

    @Override
    public Set<String> overrideTypeUrls() {
        return Set.of(TYPE_URL);
    }

    @Override
    public FilterConfig parse(TypedConfig config, String where) {
        return policy(config.unpack(HTTPFault.class, HTTPFault.newBuilder(), where), where);
    }

    @Override
    public FilterConfig parseOverride(TypedConfig config, String where) {
        return parse(config, where);
    }

    static FaultPolicy policy(HTTPFault f, String where) {
        Duration delay = Duration.ZERO;
        int delayShare = 0;
        if (f.hasDelay() && f.getDelay().hasFixedDelay()) {
            delay = RouteConverter.duration(f.getDelay().getFixedDelay());
            delayShare = f.getDelay().hasPercentage()
                    ? RouteConverter.perMillion(f.getDelay().getPercentage())
                    : FaultPolicy.MILLION;
        }
        int abortStatus = 0;
        int abortShare = 0;
        int abortGrpc = -1;
        if (f.hasAbort()
                && f.getAbort().getErrorTypeCase()
                        == io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort.ErrorTypeCase.GRPC_STATUS) {
            abortGrpc = f.getAbort().getGrpcStatus();
            if (abortGrpc > 16) {
                throw new IllegalArgumentException(where + ".abort.grpc_status: must be in [0, 16], got " + abortGrpc);
            }
            abortShare = f.getAbort().hasPercentage()
                    ? RouteConverter.perMillion(f.getAbort().getPercentage())
                    : FaultPolicy.MILLION;
        } else if (f.hasAbort() && f.getAbort().getHttpStatus() > 0) {
            abortStatus = f.getAbort().getHttpStatus();
            if (abortStatus < 200 || abortStatus > 599) {
                throw new IllegalArgumentException(
                        where + ".abort.http_status: must be in [200, 599], got " + abortStatus);
            }
            abortShare = f.getAbort().hasPercentage()
                    ? RouteConverter.perMillion(f.getAbort().getPercentage())
                    : FaultPolicy.MILLION;
        }
        return new FaultPolicy(delay, delayShare, abortStatus, abortShare, abortGrpc);
    }
}
