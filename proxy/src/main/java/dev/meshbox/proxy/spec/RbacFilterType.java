package dev.meshbox.proxy.spec;

import dev.meshbox.proxy.rbac.Cidr;
import dev.meshbox.proxy.rbac.Permission;
import dev.meshbox.proxy.rbac.Principal;
import dev.meshbox.proxy.rbac.RbacFilterConfig;
import dev.meshbox.proxy.rbac.RbacPolicies;
import dev.meshbox.proxy.route.FilterConfig;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ValueMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code envoy.filters.http.rbac}: Istio's AuthorizationPolicies, one filter per action. Its {@code rules} become
 * MeshBox's {@link RbacPolicies} (policies tried by name, as Istio's names sort); what Envoy would take but MeshBox
 * does not evaluate (matchers, CEL conditions, other permission kinds) is a NACK naming the field, so a policy is
 * never half-enforced. {@code shadow_rules} (Istio's dry-run policies) are evaluated and counted, never enforced.
 */
public final class RbacFilterType implements HttpFilterType {

    public static final String NAME = "envoy.filters.http.rbac";
    public static final String TYPE_URL = HttpFilterType.typeUrlOf(RBAC.getDefaultInstance());

    @Override
    public String typeUrl() {
        return TYPE_URL;
    }

    @Override
    public FilterConfig parse(TypedConfig config, String where) {
        RBAC rbac = config.unpack(RBAC.class, RBAC.newBuilder(), where);
        if (rbac.hasMatcher() || rbac.hasShadowMatcher()) {
            throw new IllegalArgumentException(where + ": only rules and shadow_rules are supported (no matchers)");
        }
        // Envoy: a filter without rules lets everything pass; its shadow rules are still evaluated and counted.
        return new RbacFilterConfig(
                rbac.hasRules() ? Optional.of(policies(rbac.getRules(), where + ".rules")) : Optional.empty(),
                rbac.hasShadowRules()
                        ? Optional.of(policies(rbac.getShadowRules(), where + ".shadow_rules"))
                        : Optional.empty(),
                rbac.getShadowRulesStatPrefix());
    }

    private static RbacPolicies policies(io.envoyproxy.envoy.config.rbac.v3.RBAC rules, String where) {
        RbacPolicies.Action action = switch (rules.getAction()) {
            case ALLOW -> RbacPolicies.Action.ALLOW;
            case DENY -> RbacPolicies.Action.DENY;
            case LOG -> RbacPolicies.Action.LOG;
            default -> throw new IllegalArgumentException(where + ".action: unknown " + rules.getAction());
        };
        Map<String, RbacPolicies.Policy> policies = new LinkedHashMap<>();
        new TreeMap<>(rules.getPoliciesMap()).forEach((name, p) -> {
            String at = where + ".policies[" + name + "]";
            if (p.hasCondition() || p.hasCheckedCondition()) {
                throw new IllegalArgumentException(at + ".condition: CEL conditions are not supported");
            }
            List<Permission> permissions = new ArrayList<>();
            for (int i = 0; i < p.getPermissionsCount(); i++) {
                permissions.add(permission(p.getPermissions(i), at + ".permissions[" + i + "]"));
            }
            List<Principal> principals = new ArrayList<>();
            for (int i = 0; i < p.getPrincipalsCount(); i++) {
                principals.add(principal(p.getPrincipals(i), at + ".principals[" + i + "]"));
            }
            policies.put(name, new RbacPolicies.Policy(List.copyOf(permissions), List.copyOf(principals)));
        });
        return new RbacPolicies(action, policies);
    }

    static Permission permission(io.envoyproxy.envoy.config.rbac.v3.Permission p, String at) {
        return switch (p.getRuleCase()) {
            case ANY -> new Permission.Any();
            case AND_RULES -> new Permission.And(permissions(p.getAndRules().getRulesList(), at + ".and_rules"));
            case OR_RULES -> new Permission.Or(permissions(p.getOrRules().getRulesList(), at + ".or_rules"));
            case NOT_RULE -> new Permission.Not(permission(p.getNotRule(), at + ".not_rule"));
            case HEADER -> new Permission.Header(RouteConverter.header(p.getHeader(), at + ".header"));
            case URL_PATH ->
                new Permission.UrlPath(RouteConverter.stringMatch(p.getUrlPath().getPath(), at + ".url_path.path"));
            case DESTINATION_PORT -> new Permission.DestinationPort(p.getDestinationPort());
            case DESTINATION_IP -> new Permission.DestinationIp(cidr(p.getDestinationIp(), at + ".destination_ip"));
            case REQUESTED_SERVER_NAME ->
                new Permission.RequestedServerName(
                        RouteConverter.stringMatch(p.getRequestedServerName(), at + ".requested_server_name"));
            default -> throw new IllegalArgumentException(at + ": " + p.getRuleCase() + " is not supported");
        };
    }

    private static List<Permission> permissions(List<io.envoyproxy.envoy.config.rbac.v3.Permission> ps, String at) {
        List<Permission> out = new ArrayList<>();
        for (int i = 0; i < ps.size(); i++) {
            out.add(permission(ps.get(i), at + ".rules[" + i + "]"));
        }
        return List.copyOf(out);
    }

    static Principal principal(io.envoyproxy.envoy.config.rbac.v3.Principal p, String at) {
        return switch (p.getIdentifierCase()) {
            case ANY -> new Principal.Any();
            case AND_IDS -> new Principal.And(principals(p.getAndIds().getIdsList(), at + ".and_ids"));
            case OR_IDS -> new Principal.Or(principals(p.getOrIds().getIdsList(), at + ".or_ids"));
            case NOT_ID -> new Principal.Not(principal(p.getNotId(), at + ".not_id"));
            case AUTHENTICATED ->
                new Principal.Authenticated(
                        p.getAuthenticated().hasPrincipalName()
                                ? RouteConverter.stringMatch(
                                        p.getAuthenticated().getPrincipalName(), at + ".authenticated.principal_name")
                                : null);
            case DIRECT_REMOTE_IP ->
                new Principal.DirectRemoteIp(cidr(p.getDirectRemoteIp(), at + ".direct_remote_ip"));
            case SOURCE_IP -> new Principal.DirectRemoteIp(cidr(p.getSourceIp(), at + ".source_ip"));
            case REMOTE_IP -> new Principal.RemoteIp(cidr(p.getRemoteIp(), at + ".remote_ip"));
            case HEADER -> new Principal.Header(RouteConverter.header(p.getHeader(), at + ".header"));
            case URL_PATH ->
                new Principal.UrlPath(RouteConverter.stringMatch(p.getUrlPath().getPath(), at + ".url_path.path"));
            case METADATA -> metadata(p.getMetadata(), at + ".metadata");
            default -> throw new IllegalArgumentException(at + ": " + p.getIdentifierCase() + " is not supported");
        };
    }

    private static List<Principal> principals(List<io.envoyproxy.envoy.config.rbac.v3.Principal> ps, String at) {
        List<Principal> out = new ArrayList<>();
        for (int i = 0; i < ps.size(); i++) {
            out.add(principal(ps.get(i), at + ".ids[" + i + "]"));
        }
        return List.copyOf(out);
    }

    private static Principal metadata(MetadataMatcher m, String at) {
        if (m.getFilter().isEmpty()) {
            throw new IllegalArgumentException(at + ".filter: must not be empty");
        }
        if (m.getPathCount() == 0) {
            throw new IllegalArgumentException(at + ".path: must not be empty");
        }
        List<String> path = m.getPathList().stream()
                .map(MetadataMatcher.PathSegment::getKey)
                .toList();
        return new Principal.Metadata(m.getFilter(), path, value(m.getValue(), at + ".value"), m.getInvert());
    }

    private static Principal.ValueMatch value(ValueMatcher v, String at) {
        return switch (v.getMatchPatternCase()) {
            case STRING_MATCH ->
                new Principal.StringValue(RouteConverter.stringMatch(v.getStringMatch(), at + ".string_match"));
            case LIST_MATCH -> new Principal.ListValue(value(v.getListMatch().getOneOf(), at + ".list_match.one_of"));
            case PRESENT_MATCH -> new Principal.Present(v.getPresentMatch());
            case BOOL_MATCH -> new Principal.BoolValue(v.getBoolMatch());
            default -> throw new IllegalArgumentException(at + ": " + v.getMatchPatternCase() + " is not supported");
        };
    }

    private static Cidr cidr(CidrRange c, String at) {
        try {
            int len = c.hasPrefixLen()
                    ? c.getPrefixLen().getValue()
                    : c.getAddressPrefix().contains(":") ? 128 : 32;
            return Cidr.of(c.getAddressPrefix(), len);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(at + ": " + e.getMessage(), e);
        }
    }
}
