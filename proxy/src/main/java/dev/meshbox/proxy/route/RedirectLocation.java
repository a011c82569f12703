package dev.meshbox.proxy.route;

/**
 * The {@code Location} of a redirect, as Envoy's {@code RouteEntryImplBase::newPath} builds it, as a pure function of
 * the redirect, the route that matched and the request.
 *
 * <ul>
 *   <li>Scheme: the redirect's, else the request's.
 *   <li>Host: the redirect's {@code host_redirect} replaces the whole authority (a port in the request's Host goes
 *       with it); without it the request's Host is kept as sent, port included, except that the port is dropped when
 *       the redirect sets one, or when the scheme changes and the request's port was its protocol's default.
 *   <li>Port: {@code port_redirect}, appended as is (Istio leaves out 80 for http and 443 for https before it gets
 *       here).
 *   <li>Path: {@code path_redirect} (the request's query string appended unless the redirect has its own), else the
 *       request's path after the redirect's {@code prefix_rewrite} ({@link PathRewrite}); {@code strip_query} drops the
 *       query string unless it is the redirect's own.
 * </ul>
 */
public final class RedirectLocation {

    private RedirectLocation() {}

    public static String of(RouteAction.Redirect r, RouteMatch match, RequestView request) {
        String scheme = r.scheme() != null && !r.scheme().isEmpty() ? r.scheme() : request.header(":scheme");
        String port = r.port() > 0 ? ":" + r.port() : "";
        String host = r.host() != null && !r.host().isEmpty() ? r.host() : requestHost(request, scheme, port);
        String path;
        boolean redirectHasQuery = false;
        if (r.path() != null && !r.path().isEmpty()) {
            redirectHasQuery = r.path().indexOf('?') >= 0;
            String uri = request.path();
            int q = uri.indexOf('?');
            path = redirectHasQuery || q < 0 ? r.path() : r.path() + uri.substring(q);
        } else {
            path = PathRewrite.apply(request.path(), match, r.prefixRewrite(), null);
        }
        if (!path.startsWith("/")) {
            path = "/" + path;
        }
        if (!redirectHasQuery && r.stripQuery()) {
            int q = path.indexOf('?');
            if (q >= 0) {
                path = path.substring(0, q);
            }
        }
        return scheme + "://" + host + port + path;
    }

    /** Envoy's {@code processRequestHost}: the request's Host, its port dropped where the redirect changes it. */
    static String requestHost(RequestView request, String newScheme, String newPort) {
        String host = request.authority();
        if (host.isEmpty()) {
            return host;
        }
        int colon = host.startsWith("[") ? host.lastIndexOf("]:") : host.lastIndexOf(':');
        if (colon < 0) {
            return host;
        }
        if (host.startsWith("[")) {
            colon++;
        }
        String requestPort = host.substring(colon);
        String forwarded = request.header("x-forwarded-proto");
        String protocol = forwarded != null ? forwarded : request.header(":scheme");
        boolean remove = !newPort.isEmpty();
        if (!newScheme.equals(protocol)) {
            remove |= protocol.equals("https") && requestPort.equals(":443");
            remove |= protocol.equals("http") && requestPort.equals(":80");
        }
        return remove ? host.substring(0, colon) : host;
    }
}
