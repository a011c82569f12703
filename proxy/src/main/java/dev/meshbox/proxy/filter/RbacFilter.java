package dev.meshbox.proxy.filter;

import dev.meshbox.proxy.http.HttpExchange;
import dev.meshbox.proxy.http.HttpFilter;
import dev.meshbox.proxy.http.LocalReply;
import dev.meshbox.proxy.http.PeerIdentity;
import dev.meshbox.proxy.rbac.RbacFilterConfig;
import dev.meshbox.proxy.rbac.RbacPolicies;
import dev.meshbox.proxy.rbac.RbacRequest;
import dev.meshbox.proxy.stats.HttpStats;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * {@code envoy.filters.http.rbac}: decides the request against its policies; a refusal is Envoy's local reply, 403
 * {@code RBAC: access denied}, with response code details {@code rbac_access_denied_matched_policy[NAME]} (or
 * {@code [none]} when an ALLOW filter matched nothing), which the access log prints and explanations read. The remote
 * IP is the peer's address: MeshBox trusts no {@code x-forwarded-for} hops (Istio's default numTrustedProxies 0).
 * Shadow rules (Istio's {@code istio.io/dry-run} policies) are evaluated first and only counted, as Envoy's
 * {@code rbac.<shadow prefix>shadow_allowed} / {@code shadow_denied}; they never refuse.
 */
public final class RbacFilter implements HttpFilter {

    public static final String DENIED_BODY = "RBAC: access denied";

    /**
     * Envoy's dynamic metadata of the RBAC filters, {@code <shadow prefix>shadow_effective_policy_id} (the shadow
     * policy that matched) and {@code <shadow prefix>shadow_engine_result} ({@code allowed} or {@code denied}): what
     * Istio's ext_authz filter is enabled by.
     */
    public record Metadata(java.util.Map<String, String> values) {}

    public static final dev.meshbox.proxy.http.FilterStateKey<Metadata> METADATA =
            new dev.meshbox.proxy.http.FilterStateKey<>("envoy.filters.http.rbac", Metadata.class);

    private final String name;
    private final RbacFilterConfig config;
    private final HttpStats stats;

    public RbacFilter(String name, RbacFilterConfig config, HttpStats stats) {
        this.name = name;
        this.config = config;
        this.stats = stats;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Status onRequest(HttpExchange exchange) {
        if (config.shadow().isEmpty() && config.rules().isEmpty()) {
            return Status.CONTINUE;
        }
        RbacRequest request = request(exchange);
        config.shadow().ifPresent(shadow -> {
            if (shadow.action() != RbacPolicies.Action.LOG) {
                RbacPolicies.Decision d = shadow.evaluate(request);
                stats.count(
                        exchange.facts().statPrefix(),
                        "rbac." + config.shadowStatPrefix() + (d.allowed() ? "shadow_allowed" : "shadow_denied"));
                Metadata before = exchange.filterState(METADATA);
                java.util.Map<String, String> values =
                        new java.util.HashMap<>(before == null ? java.util.Map.of() : before.values());
                if (d.policy() != null) {
                    values.put(config.shadowStatPrefix() + "shadow_effective_policy_id", d.policy());
                }
                values.put(config.shadowStatPrefix() + "shadow_engine_result", d.allowed() ? "allowed" : "denied");
                exchange.filterState(METADATA, new Metadata(java.util.Map.copyOf(values)));
            }
        });
        if (config.rules().isEmpty()) {
            return Status.CONTINUE; // Envoy: without rules the filter enforces nothing
        }
        RbacPolicies policies = config.rules().get();
        RbacPolicies.Decision decision = policies.evaluate(request);
        if (policies.action() == RbacPolicies.Action.LOG) {
            // Istio's AUDIT: logs only, never decides; Envoy counts rbac.logged / rbac.not_logged
            stats.count(exchange.facts().statPrefix(), decision.policy() != null ? "rbac.logged" : "rbac.not_logged");
            return Status.CONTINUE;
        }
        // Envoy's http.<stat_prefix>.rbac.allowed / rbac.denied
        stats.count(exchange.facts().statPrefix(), decision.allowed() ? "rbac.allowed" : "rbac.denied");
        if (decision.allowed()) {
            return Status.CONTINUE;
        }
        exchange.sendLocalReply(new LocalReply(403, DENIED_BODY, null, decision.details()));
        return Status.STOP;
    }

    static RbacRequest request(HttpExchange exchange) {
        InetSocketAddress remote = exchange.downstream().remoteAddress();
        InetSocketAddress local = exchange.downstream().localAddress();
        InetAddress remoteIp = remote == null ? null : remote.getAddress();
        PeerIdentity peer = exchange.downstream().peer();
        JwtMetadata jwt = JwtAuthnFilter.metadata(exchange);
        return new RbacRequest(
                exchange.view(),
                remoteIp,
                remoteIp,
                local == null ? null : local.getAddress(),
                local == null ? 0 : local.getPort(),
                peer.principal(),
                peer.requestedServerName(),
                jwt.isEmpty() ? RbacRequest.Metadata.NONE : (filter, path) -> jwtValue(jwt, filter, path));
    }

    /** Envoy's dynamic metadata lookup, over what the JWT filter left: {@code [payload, claim, ...]}. */
    private static Object jwtValue(JwtMetadata jwt, String filter, java.util.List<String> path) {
        if (!filter.equals(JwtAuthnFilter.METADATA_NAMESPACE) || path.isEmpty()) {
            return null;
        }
        Object at = jwt.payload(path.get(0));
        for (String key : path.subList(1, path.size())) {
            if (!(at instanceof java.util.Map<?, ?> m)) {
                return null;
            }
            at = m.get(key);
        }
        return at;
    }
}
