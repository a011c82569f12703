package dev.meshbox.proxy.spec;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.meshbox.proxy.route.FilterConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The HTTP filters this proxy knows, by config type URL, as grpc-java's {@code FilterRegistry} and Armeria's
 * {@code HttpFilterFactory} registry. It parses an HTTP connection manager's {@code http_filters} (a filter of an
 * unknown type is a NACK naming it, unless it is marked {@code is_optional}, which Envoy skips) and routes'
 * {@code typed_per_filter_config} (an unknown type is a NACK unless wrapped in an optional {@code FilterConfig}).
 */
public final class HttpFilterTypes {

    private static final String ROUTE_FILTER_CONFIG =
            HttpFilterType.typeUrlOf(io.envoyproxy.envoy.config.route.v3.FilterConfig.getDefaultInstance());

    private static final HttpFilterTypes BUILT_IN = new HttpFilterTypes(List.of(
            new RouterFilterType(),
            new FaultFilterType(),
            new CorsFilterType(),
            new MetadataExchangeFilterType(),
            new GrpcStatsFilterType(),
            new AlpnFilterType(),
            new IstioStatsFilterType(),
            new JwtAuthnFilterType(),
            new RbacFilterType(),
            new ExtAuthzFilterType()));

    private final Map<String, HttpFilterType> byTypeUrl = new LinkedHashMap<>();
    private final Map<String, HttpFilterType> byOverrideTypeUrl = new HashMap<>();

    public HttpFilterTypes(List<HttpFilterType> types) {
        for (HttpFilterType type : types) {
            if (byTypeUrl.put(type.typeUrl(), type) != null) {
                throw new IllegalArgumentException("two HTTP filter types take " + type.typeUrl());
            }
            type.overrideTypeUrls().forEach(url -> byOverrideTypeUrl.put(url, type));
        }
    }

    /** The filters MeshBox implements: router, fault, CORS, and the ones Istio adds to every connection manager. */
    public static HttpFilterTypes builtIn() {
        return BUILT_IN;
    }

    /** This registry plus {@code extra} (tests register probe filters this way). */
    public HttpFilterTypes with(HttpFilterType extra) {
        List<HttpFilterType> all = new ArrayList<>(byTypeUrl.values());
        all.add(extra);
        return new HttpFilterTypes(all);
    }

    public Set<String> typeUrls() {
        return byTypeUrl.keySet();
    }

    /** An HTTP connection manager's filter list; {@code where} names the connection manager. */
    public List<HttpFilterSpec> parseChain(List<HttpFilter> filters, String where) {
        List<HttpFilterSpec> out = new ArrayList<>();
        boolean terminalSeen = false;
        for (int i = 0; i < filters.size(); i++) {
            HttpFilter f = filters.get(i);
            String at = where + ".http_filters[" + i + "] (" + f.getName() + ")";
            if (f.getName().isEmpty()) {
                throw new IllegalArgumentException(at + ".name: must not be empty");
            }
            if (!f.hasTypedConfig()) {
                throw new IllegalArgumentException(at + ".typed_config: is required");
            }
            TypedConfig config = TypedConfig.of(f.getTypedConfig(), at + ".typed_config");
            HttpFilterType type = byTypeUrl.get(config.typeUrl());
            if (type == null) {
                if (f.getIsOptional()) {
                    continue;
                }
                throw new IllegalArgumentException(at + ".typed_config: unknown HTTP filter type " + config.typeUrl()
                        + " (the filter is not marked is_optional; known types: " + String.join(", ", typeUrls())
                        + ")");
            }
            if (terminalSeen) {
                throw new IllegalArgumentException(at + ": comes after the terminal filter "
                        + out.get(out.size() - 1).name());
            }
            terminalSeen = type.terminal();
            out.add(new HttpFilterSpec(
                    f.getName(), type.typeUrl(), type.parse(config, at + ".typed_config"), f.getDisabled()));
        }
        if (!terminalSeen) {
            throw new IllegalArgumentException(where + ".http_filters: the last filter must be a terminal filter "
                    + "such as envoy.filters.http.router, got "
                    + (out.isEmpty() ? "none" : out.get(out.size() - 1).name()));
        }
        return List.copyOf(out);
    }

    /** One level's {@code typed_per_filter_config}, by filter name; {@code where} names the level. */
    public Map<String, FilterConfig> parseOverrides(Map<String, Any> perFilter, String where) {
        if (perFilter.isEmpty()) {
            return Map.of();
        }
        Map<String, FilterConfig> out = new HashMap<>();
        perFilter.forEach((name, any) -> {
            String at = where + ".typed_per_filter_config[" + name + "]";
            FilterConfig parsed = parseOverride(any, at);
            if (parsed != null) {
                out.put(name, parsed);
            }
        });
        return out;
    }

    private FilterConfig parseOverride(Any any, String at) {
        boolean optional = false;
        if (any.getTypeUrl().equals(ROUTE_FILTER_CONFIG)) {
            io.envoyproxy.envoy.config.route.v3.FilterConfig wrapper;
            try {
                wrapper = any.unpack(io.envoyproxy.envoy.config.route.v3.FilterConfig.class);
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalArgumentException(
                        at + ": cannot decode " + any.getTypeUrl() + ": " + e.getMessage(), e);
            }
            if (wrapper.getDisabled()) {
                return FilterConfig.DISABLED;
            }
            optional = wrapper.getIsOptional();
            any = wrapper.getConfig();
            at = at + ".config";
        }
        TypedConfig config = TypedConfig.of(any, at);
        HttpFilterType type = byOverrideTypeUrl.get(config.typeUrl());
        if (type == null) {
            if (optional) {
                return null;
            }
            throw new IllegalArgumentException(at + ": no HTTP filter takes a per-route config of type "
                    + config.typeUrl() + " (wrap it in an optional envoy.config.route.v3.FilterConfig to skip it)");
        }
        return type.parseOverride(config, at);
    }
}
