package dev.meshbox.proxy.spec;

import dev.meshbox.proxy.route.RouteTable;
import java.util.List;

/**
 * An HTTP connection manager: where its routes come from (an RDS name, or an inline table), its stat prefix, its
 * HTTP filters in order (the router last), and whether it trusts the remote address (gateways append it to
 * {@code x-forwarded-for}).
 */
public record HcmSpec(
        String statPrefix,
        String rdsName,
        RouteTable inlineRoutes,
        List<HttpFilterSpec> httpFilters,
        boolean useRemoteAddress) {

    public HcmSpec {
        if ((rdsName == null) == (inlineRoutes == null)) {
            throw new IllegalArgumentException("http_connection_manager: exactly one of rds or route_config");
        }
        httpFilters = List.copyOf(httpFilters);
    }
}
