package dev.meshbox.proxy.spec;

import dev.meshbox.proxy.route.CorsPolicy;
import dev.meshbox.proxy.route.FilterConfig;
import dev.meshbox.proxy.route.StringMatch;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code envoy.filters.http.cors}: Istio configures it empty on every connection manager and puts a route's
 * {@code corsPolicy} in the route's {@code typed_per_filter_config} as a {@code CorsPolicy}.
 */
public final class CorsFilterType implements HttpFilterType {

    public static final String NAME = "envoy.filters.http.cors";
    public static final String TYPE_URL = HttpFilterType.typeUrlOf(Cors.getDefaultInstance());
    public static final String POLICY_TYPE_URL = HttpFilterType.typeUrlOf(
            io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy.getDefaultInstance());

    /** The connection manager's config: the filter has none of its own, routes carry the policies. */
    public record Config() implements FilterConfig {}

    @Override
    public String typeUrl() {
        return TYPE_URL;
    }

    @Override
    public Set<String> overrideTypeUrls() {
        return Set.of(POLICY_TYPE_URL);
    }

    @Override
    public FilterConfig parse(TypedConfig config, String where) {
        config.unpack(Cors.class, Cors.newBuilder(), where);
        return new Config();
    }

    @Override
    public FilterConfig parseOverride(TypedConfig config, String where) {
        var p = config.unpack(
                io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy.class,
                io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy.newBuilder(),
                where);
        List<StringMatch> origins = new ArrayList<>();
        for (int i = 0; i < p.getAllowOriginStringMatchCount(); i++) {
            origins.add(RouteConverter.stringMatch(
                    p.getAllowOriginStringMatch(i), where + ".allow_origin_string_match[" + i + "]"));
        }
        return new CorsPolicy(
                origins,
                p.getAllowMethods(),
                p.getAllowHeaders(),
                p.getExposeHeaders(),
                p.getMaxAge(),
                p.hasAllowCredentials() ? p.getAllowCredentials().getValue() : null,
                p.hasAllowPrivateNetworkAccess()
                        ? p.getAllowPrivateNetworkAccess().getValue()
                        : null,
                p.hasForwardNotMatchingPreflights()
                        ? p.getForwardNotMatchingPreflights().getValue()
                        : null,
                p.hasFilterEnabled() ? share(p.getFilterEnabled(), where + ".filter_enabled") : null,
                p.hasShadowEnabled() ? share(p.getShadowEnabled(), where + ".shadow_enabled") : null);
    }

    private static int share(RuntimeFractionalPercent p, String where) {
        if (!p.hasDefaultValue()) {
            throw new IllegalArgumentException(where + ".default_value: is required");
        }
        return RouteConverter.perMillion(p.getDefaultValue());
    }
}
