package dev.meshbox.proxy.listener;

import dev.meshbox.proxy.route.RouteTable;

/**
 * An HTTP connection manager: where its routes come from (an RDS name, or an inline table), its stat prefix,
 * whether the fault filter is in its chain, and whether it trusts the remote address (gateways append it to
 * {@code x-forwarded-for}).
 */
public record HcmSpec(
        String statPrefix, String rdsName, RouteTable inlineRoutes, boolean faultFilter, boolean useRemoteAddress) {

    public HcmSpec {
        if ((rdsName == null) == (inlineRoutes == null)) {
            throw new IllegalArgumentException("http_connection_manager: exactly one of rds or route_config");
        }
    }
}
