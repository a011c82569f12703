package dev.meshbox.proxy.spec;

import dev.meshbox.proxy.route.FilterConfig;
import dev.meshbox.proxy.route.StringMatch;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.HttpService;
import io.envoyproxy.envoy.type.matcher.v3.ListStringMatcher;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code envoy.filters.http.ext_authz} with an {@code http_service} (Istio's {@code envoyExtAuthzHttp} providers).
 * A gRPC service, a request body to buffer, or metadata matchers other than one string prefix on one key are a NACK
 * naming the field, so an authorizer is never half-asked.
 */
public final class ExtAuthzFilterType implements HttpFilterType {

    public static final String NAME = "envoy.filters.http.ext_authz";
    public static final String TYPE_URL = HttpFilterType.typeUrlOf(ExtAuthz.getDefaultInstance());

    @Override
    public String typeUrl() {
        return TYPE_URL;
    }

    @Override
    public FilterConfig parse(TypedConfig config, String where) {
        ExtAuthz e = config.unpack(ExtAuthz.class, ExtAuthz.newBuilder(), where);
        if (!e.hasHttpService()) {
            throw new IllegalArgumentException(where + ".grpc_service: only http_service is supported");
        }
        if (e.hasWithRequestBody()) {
            throw new IllegalArgumentException(where + ".with_request_body: not supported");
        }
        HttpService s = e.getHttpService();
        String cluster = s.getServerUri().getCluster();
        if (cluster.isEmpty()) {
            throw new IllegalArgumentException(where + ".http_service.server_uri.cluster: is required");
        }
        String host;
        try {
            host = URI.create(s.getServerUri().getUri()).getAuthority();
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException(
                    where + ".http_service.server_uri.uri: not a URI: "
                            + s.getServerUri().getUri(),
                    ex);
        }
        String key = "";
        String prefix = "";
        if (e.hasFilterEnabledMetadata()) {
            var m = e.getFilterEnabledMetadata();
            if (m.getPathCount() != 1
                    || !m.getValue().hasStringMatch()
                    || m.getValue().getStringMatch().getPrefix().isEmpty()) {
                throw new IllegalArgumentException(
                        where + ".filter_enabled_metadata: only one path key with a string prefix is supported");
            }
            key = m.getPath(0).getKey();
            prefix = m.getValue().getStringMatch().getPrefix();
        }
        var timeout = s.getServerUri().getTimeout();
        return new ExtAuthzConfig(
                cluster,
                host == null ? "" : host,
                s.getPathPrefix(),
                Duration.ofSeconds(timeout.getSeconds(), timeout.getNanos()),
                matchers(s.getAuthorizationRequest().getAllowedHeaders(), where + ".allowed_headers"),
                matchers(s.getAuthorizationResponse().getAllowedUpstreamHeaders(), where + ".allowed_upstream_headers"),
                matchers(s.getAuthorizationResponse().getAllowedClientHeaders(), where + ".allowed_client_headers"),
                matchers(
                        s.getAuthorizationResponse().getAllowedClientHeadersOnSuccess(),
                        where + ".allowed_client_headers_on_success"),
                e.hasStatusOnError() ? e.getStatusOnError().getCodeValue() : 403,
                e.getFailureModeAllow(),
                key,
                prefix);
    }

    private static List<StringMatch> matchers(ListStringMatcher list, String where) {
        List<StringMatch> out = new ArrayList<>();
        for (int i = 0; i < list.getPatternsCount(); i++) {
            out.add(RouteConverter.stringMatch(list.getPatterns(i), where + ".patterns[" + i + "]"));
        }
        return List.copyOf(out);
    }
}
