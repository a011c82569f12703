package dev.meshbox.proxy.spec;

import dev.meshbox.proxy.route.FilterConfig;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;

/** {@code envoy.filters.http.router}: the terminal filter that forwards to the route's cluster. */
public final class RouterFilterType implements HttpFilterType {

    public static final String NAME = "envoy.filters.http.router";
    public static final String TYPE_URL = HttpFilterType.typeUrlOf(Router.getDefaultInstance());

    /**
     * @param suppressEnvoyHeaders no {@code x-envoy-*} headers added to requests and responses (Istio sets it from
     *     the mesh config's {@code proxyHeaders.envoyDebugHeaders.disabled})
     */
    public record Config(boolean suppressEnvoyHeaders) implements FilterConfig {}

    @Override
    public String typeUrl() {
        return TYPE_URL;
    }

    @Override
    public boolean terminal() {
        return true;
    }

    @Override
    public FilterConfig parse(TypedConfig config, String where) {
        Router router = config.unpack(Router.class, Router.newBuilder(), where);
        return new Config(router.getSuppressEnvoyHeaders());
    }
}
