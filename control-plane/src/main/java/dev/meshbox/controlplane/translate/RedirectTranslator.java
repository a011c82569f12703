package dev.meshbox.controlplane.translate;

import dev.meshbox.controlplane.config.VirtualService.DerivePort;
import dev.meshbox.controlplane.config.VirtualService.Redirect;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;

/**
 * {@code redirect} to Envoy's {@code RedirectAction}, as Istio's {@code ApplyRedirect}: {@code derivePort:
 * FROM_REQUEST_PORT} becomes the port of the listener the routes are built for (Envoy cannot read it from the request),
 * FROM_PROTOCOL_DEFAULT sets no port; an explicit or derived port that is the scheme's default is left out.
 * {@code prefixRewrite} becomes the redirect's {@code prefix_rewrite}, which Envoy applies to what the route matched.
 */
final class RedirectTranslator {

    private RedirectTranslator() {}

    /**
     * @param listenerPort the port of the listener the routes are for
     * @param tls whether that listener terminates TLS (the default scheme of a port-setting redirect)
     */
    static RedirectAction redirect(Redirect rd, int listenerPort, boolean tls) {
        RedirectAction.Builder b = RedirectAction.newBuilder();
        if (rd.prefixRewrite().isPresent()) {
            b.setPrefixRewrite(rd.prefixRewrite().get());
        } else {
            rd.uri().ifPresent(b::setPathRedirect);
        }
        rd.authority().ifPresent(b::setHostRedirect);
        rd.scheme().ifPresent(b::setSchemeRedirect);
        if (rd.port().isPresent() || rd.derivePort().isPresent()) {
            int port =
                    rd.port().orElseGet(() -> rd.derivePort().get() == DerivePort.FROM_REQUEST_PORT ? listenerPort : 0);
            String scheme = rd.scheme().orElse(tls ? "https" : "http");
            boolean schemeDefault = (port == 80 && scheme.equals("http")) || (port == 443 && scheme.equals("https"));
            if (port > 0 && !schemeDefault) {
                b.setPortRedirect(port);
            }
        }
        b.setResponseCode(
                switch (rd.redirectCode()) {
                    case 302 -> RedirectAction.RedirectResponseCode.FOUND;
                    case 303 -> RedirectAction.RedirectResponseCode.SEE_OTHER;
                    case 307 -> RedirectAction.RedirectResponseCode.TEMPORARY_REDIRECT;
                    case 308 -> RedirectAction.RedirectResponseCode.PERMANENT_REDIRECT;
                    default -> RedirectAction.RedirectResponseCode.MOVED_PERMANENTLY;
                });
        return b.build();
    }
}
