package dev.meshbox.proxy.spec;

import dev.meshbox.proxy.route.FilterConfig;
import dev.meshbox.proxy.route.StringMatch;
import java.time.Duration;
import java.util.List;

/**
 * An {@code envoy.filters.http.ext_authz} filter with an HTTP authorization service, in MeshBox's terms.
 *
 * @param cluster          the authorizer's cluster ({@code outbound|8000||ext-authz.foo.svc.cluster.local})
 * @param host             the authority of the check request (the host of {@code server_uri.uri})
 * @param allowedHeaders   the request headers copied into the check request (besides Host and the method)
 * @param upstreamHeaders  the authorizer's response headers added to the request it allowed
 * @param clientHeaders    the authorizer's response headers sent to the client with a denial
 * @param clientHeadersOnSuccess the authorizer's response headers added to the response of an allowed request
 * @param enabledMetadataKey the RBAC filter's dynamic metadata key that must be set (Istio's shadow effective policy
 *                         id) for the filter to ask at all; empty when it always asks
 * @param enabledMetadataPrefix the prefix that key's value must have
 */
public record ExtAuthzConfig(
        String cluster,
        String host,
        String pathPrefix,
        Duration timeout,
        List<StringMatch> allowedHeaders,
        List<StringMatch> upstreamHeaders,
        List<StringMatch> clientHeaders,
        List<StringMatch> clientHeadersOnSuccess,
        int statusOnError,
        boolean failureModeAllow,
        String enabledMetadataKey,
        String enabledMetadataPrefix)
        implements FilterConfig {}
