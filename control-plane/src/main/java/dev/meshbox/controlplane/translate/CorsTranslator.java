package dev.meshbox.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import dev.meshbox.controlplane.config.VirtualService.CorsPolicy;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.type.v3.FractionalPercent;

/**
 * {@code corsPolicy} to the CORS filter's per-route {@code CorsPolicy}, as Istio's {@code TranslateCORSPolicy}: origins
 * as string matchers, lists joined with commas, {@code maxAge} in seconds, the filter enabled for every request, and
 * preflights from origins that are not allowed forwarded upstream unless {@code unmatchedPreflights: IGNORE}.
 */
final class CorsTranslator {

    static final String FILTER = HttpFilters.CORS;

    private CorsTranslator() {}

    static Any policy(CorsPolicy in) {
        var out = io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy.newBuilder()
                .setForwardNotMatchingPreflights(BoolValue.of(!in.ignoreUnmatchedPreflights()))
                .setFilterEnabled(RuntimeFractionalPercent.newBuilder()
                        .setDefaultValue(FractionalPercent.newBuilder()
                                .setNumerator(100)
                                .setDenominator(FractionalPercent.DenominatorType.HUNDRED)));
        in.allowOrigins().forEach(o -> out.addAllowOriginStringMatch(RouteTranslator.stringMatcher(o)));
        in.allowCredentials().ifPresent(c -> out.setAllowCredentials(BoolValue.of(c)));
        out.setAllowHeaders(String.join(",", in.allowHeaders()));
        out.setAllowMethods(String.join(",", in.allowMethods()));
        out.setExposeHeaders(String.join(",", in.exposeHeaders()));
        in.maxAge().ifPresent(d -> out.setMaxAge(Long.toString(d.getSeconds())));
        return Any.pack(out.build());
    }
}
