package dev.meshbox.proxy.spec;

import dev.meshbox.proxy.route.RouteTable;
import dev.meshbox.proxy.tracing.TracingConfig;
import java.util.List;

/**
 * An HTTP connection manager: where its routes come from (an RDS name, or an inline table), its stat prefix, its
 * HTTP filters in order (the router last), and whether it trusts the remote address (gateways append it to
 * {@code x-forwarded-for}), and its {@code tracing} ({@link TracingConfig}, null when it does not trace).
 */
public record HcmSpec(
        String statPrefix,
        String rdsName,
        RouteTable inlineRoutes,
        List<HttpFilterSpec> httpFilters,
        boolean useRemoteAddress,
        ForwardClientCert forwardClientCert,
        TracingConfig tracing) {

    /** Envoy's {@code forward_client_cert_details}: what becomes of {@code x-forwarded-client-cert}. */
    public enum ForwardClientCert {
        /** Removed (Envoy's default). */
        SANITIZE,
        /** Kept as the client sent it. */
        FORWARD_ONLY,
        /** On mutual TLS, this connection's element appended; otherwise kept (Istio's inbound setting). */
        APPEND_FORWARD,
        /** On mutual TLS, replaced by this connection's element; otherwise removed. */
        SANITIZE_SET
    }

    public HcmSpec(
            String statPrefix,
            String rdsName,
            RouteTable inlineRoutes,
            List<HttpFilterSpec> httpFilters,
            boolean useRemoteAddress) {
        this(statPrefix, rdsName, inlineRoutes, httpFilters, useRemoteAddress, ForwardClientCert.SANITIZE);
    }

    public HcmSpec(
            String statPrefix,
            String rdsName,
            RouteTable inlineRoutes,
            List<HttpFilterSpec> httpFilters,
            boolean useRemoteAddress,
            ForwardClientCert forwardClientCert) {
        this(statPrefix, rdsName, inlineRoutes, httpFilters, useRemoteAddress, forwardClientCert, null);
    }

    public HcmSpec {
        forwardClientCert = forwardClientCert == null ? ForwardClientCert.SANITIZE : forwardClientCert;
        if ((rdsName == null) == (inlineRoutes == null)) {
            throw new IllegalArgumentException("http_connection_manager: exactly one of rds or route_config");
        }
        httpFilters = List.copyOf(httpFilters);
    }
}
