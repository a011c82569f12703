package dev.meshbox.controlplane.security;

import java.time.Duration;
import java.util.List;

/**
 * One of the mesh config's {@code extensionProviders} of kind {@code envoyExtAuthzHttp}: the HTTP external authorizer
 * a CUSTOM AuthorizationPolicy names by {@code provider.name}, as Istio's
 * {@code MeshConfig.ExtensionProvider.EnvoyExternalAuthorizationHttpProvider}.
 *
 * @param service the authorizer's service, {@code ext-authz.foo.svc.cluster.local} or {@code foo/ext-authz.foo.svc.cluster.local}
 * @param timeout Istio's default 600 s
 * @param statusOnError the status of the reply when the authorizer cannot be reached (Istio: 403)
 */
public record ExtAuthzProvider(
        String name,
        String service,
        int port,
        String pathPrefix,
        Duration timeout,
        boolean failOpen,
        int statusOnError,
        List<String> includeRequestHeadersInCheck,
        List<String> headersToUpstreamOnAllow,
        List<String> headersToDownstreamOnDeny,
        List<String> headersToDownstreamOnAllow) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(600);

    public ExtAuthzProvider {
        includeRequestHeadersInCheck = List.copyOf(includeRequestHeadersInCheck);
        headersToUpstreamOnAllow = List.copyOf(headersToUpstreamOnAllow);
        headersToDownstreamOnDeny = List.copyOf(headersToDownstreamOnDeny);
        headersToDownstreamOnAllow = List.copyOf(headersToDownstreamOnAllow);
    }

    /** The service's host name without the {@code namespace/} Istio allows in front. */
    public String hostname() {
        int slash = service.indexOf('/');
        return slash < 0 ? service : service.substring(slash + 1);
    }
}
