package dev.meshbox.controlplane.translate;

import com.google.protobuf.UInt32Value;
import dev.meshbox.controlplane.config.AuthorizationPolicy;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ListMatcher;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ValueMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * One AuthorizationPolicy rule to an Envoy RBAC {@link Policy}, as Istio's {@code pilot/pkg/security/authz/model}:
 * each {@code to} entry a permission (its fields ANDed, a field's values ORed, {@code notX} negated), each
 * {@code from} entry a principal, the {@code when} conditions ANDed onto every one of them. Strings follow Istio's
 * {@code StringMatcherWithPrefix}: {@code *} present, {@code *x} suffix, {@code x*} prefix, otherwise exact.
 */
final class RbacRules {

    /** Where Envoy's JWT filter leaves the verified token, and the key it is under (Istio's payload_in_metadata). */
    static final String JWT_FILTER = "envoy.filters.http.jwt_authn";

    static final String JWT_PAYLOAD = "payload";

    private RbacRules() {}

    static Policy policy(AuthorizationPolicy.Rule rule) {
        List<Permission> conditionPermissions = new ArrayList<>();
        List<Principal> conditionPrincipals = new ArrayList<>();
        for (AuthorizationPolicy.Condition c : rule.when()) {
            if (isPermissionKey(c.key())) {
                conditionPermissions.addAll(
                        permissionField(c.values(), c.notValues(), v -> conditionPermission(c.key(), v)));
            } else {
                conditionPrincipals.addAll(
                        principalField(c.values(), c.notValues(), v -> conditionPrincipal(c.key(), v)));
            }
        }
        Policy.Builder policy = Policy.newBuilder();
        if (rule.to().isEmpty()) {
            policy.addPermissions(
                    andPermissions(List.of(Permission.newBuilder().setAny(true).build()), conditionPermissions));
        }
        for (AuthorizationPolicy.Fields to : rule.to()) {
            List<Permission> fields = new ArrayList<>();
            to.values().forEach((field, values) -> {
                if (field.startsWith("not")) {
                    fields.addAll(permissionField(List.of(), values, v -> operation(plain(field), v)));
                } else {
                    fields.addAll(permissionField(values, List.of(), v -> operation(field, v)));
                }
            });
            policy.addPermissions(andPermissions(fields, conditionPermissions));
        }
        if (rule.from().isEmpty()) {
            policy.addPrincipals(
                    andPrincipals(List.of(Principal.newBuilder().setAny(true).build()), conditionPrincipals));
        }
        for (AuthorizationPolicy.Fields from : rule.from()) {
            List<Principal> fields = new ArrayList<>();
            from.values().forEach((field, values) -> {
                if (field.startsWith("not")) {
                    fields.addAll(principalField(List.of(), values, v -> source(plain(field), v)));
                } else {
                    fields.addAll(principalField(values, List.of(), v -> source(field, v)));
                }
            });
            policy.addPrincipals(andPrincipals(fields, conditionPrincipals));
        }
        return policy.build();
    }

    /** The fields and conditions Envoy can only evaluate on HTTP: they have no meaning on a TCP filter chain. */
    private static final java.util.Set<String> HTTP_ONLY_FIELDS = java.util.Set.of(
            "hosts",
            "notHosts",
            "methods",
            "notMethods",
            "paths",
            "notPaths",
            "requestPrincipals",
            "notRequestPrincipals");

    /**
     * Istio's rule for HTTP-only fields on a TCP filter chain ({@code model.go} {@code checkError}): in an ALLOW policy
     * a rule with any of them is dropped whole, so the policy allows less ({@code methods: [GET], ports: [9000]} then
     * denies port 9000); in a DENY, AUDIT or CUSTOM policy only the offending fields and {@code when} conditions are
     * dropped, so the rule matches more ({@code DENY methods: [GET]} denies every TCP connection). Empty when the rule
     * is dropped.
     */
    static java.util.Optional<AuthorizationPolicy.Rule> forTcp(
            AuthorizationPolicy.Rule rule, AuthorizationPolicy.Action action) {
        boolean httpOnly = rule.to().stream().anyMatch(RbacRules::hasHttpOnly)
                || rule.from().stream().anyMatch(RbacRules::hasHttpOnly)
                || rule.when().stream().anyMatch(c -> httpOnlyKey(c.key()));
        if (!httpOnly) {
            return java.util.Optional.of(rule);
        }
        if (action == AuthorizationPolicy.Action.ALLOW) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new AuthorizationPolicy.Rule(
                rule.from().stream().map(RbacRules::withoutHttpOnly).toList(),
                rule.to().stream().map(RbacRules::withoutHttpOnly).toList(),
                rule.when().stream().filter(c -> !httpOnlyKey(c.key())).toList()));
    }

    private static boolean hasHttpOnly(AuthorizationPolicy.Fields f) {
        return f.values().keySet().stream().anyMatch(HTTP_ONLY_FIELDS::contains);
    }

    private static AuthorizationPolicy.Fields withoutHttpOnly(AuthorizationPolicy.Fields f) {
        java.util.Map<String, List<String>> kept = new java.util.LinkedHashMap<>(f.values());
        kept.keySet().removeAll(HTTP_ONLY_FIELDS);
        return new AuthorizationPolicy.Fields(java.util.Collections.unmodifiableMap(kept));
    }

    /** {@code request.headers[...]} and {@code request.auth.*}: read from the HTTP request or its JWT. */
    private static boolean httpOnlyKey(String key) {
        return key.startsWith("request.");
    }

    private static String plain(String notField) {
        return Character.toLowerCase(notField.charAt(3)) + notField.substring(4);
    }

    private static boolean isPermissionKey(String key) {
        return key.startsWith("destination.") || key.equals("connection.sni");
    }

    private static Permission andPermissions(List<Permission> fields, List<Permission> conditions) {
        Permission.Set.Builder and =
                Permission.Set.newBuilder().addAllRules(fields).addAllRules(conditions);
        return Permission.newBuilder().setAndRules(and).build();
    }

    private static Principal andPrincipals(List<Principal> fields, List<Principal> conditions) {
        Principal.Set.Builder and = Principal.Set.newBuilder().addAllIds(fields).addAllIds(conditions);
        return Principal.newBuilder().setAndIds(and).build();
    }

    /** A field's values as one ORed permission, its not-values as one negated; empty lists give nothing. */
    private static List<Permission> permissionField(
            List<String> values, List<String> notValues, Function<String, Permission> one) {
        List<Permission> out = new ArrayList<>();
        if (!values.isEmpty()) {
            out.add(Permission.newBuilder()
                    .setOrRules(Permission.Set.newBuilder()
                            .addAllRules(values.stream().map(one).toList()))
                    .build());
        }
        if (!notValues.isEmpty()) {
            out.add(Permission.newBuilder()
                    .setNotRule(Permission.newBuilder()
                            .setOrRules(Permission.Set.newBuilder()
                                    .addAllRules(notValues.stream().map(one).toList())))
                    .build());
        }
        return out;
    }

    private static List<Principal> principalField(
            List<String> values, List<String> notValues, Function<String, Principal> one) {
        List<Principal> out = new ArrayList<>();
        if (!values.isEmpty()) {
            out.add(Principal.newBuilder()
                    .setOrIds(Principal.Set.newBuilder()
                            .addAllIds(values.stream().map(one).toList()))
                    .build());
        }
        if (!notValues.isEmpty()) {
            out.add(Principal.newBuilder()
                    .setNotId(Principal.newBuilder()
                            .setOrIds(Principal.Set.newBuilder()
                                    .addAllIds(notValues.stream().map(one).toList())))
                    .build());
        }
        return out;
    }

    private static Permission operation(String field, String v) {
        return switch (field) {
            case "hosts" -> Permission.newBuilder().setHeader(host(v)).build();
            case "ports" ->
                Permission.newBuilder().setDestinationPort(Integer.parseInt(v)).build();
            case "methods" ->
                Permission.newBuilder().setHeader(header(":method", v)).build();
            default ->
                Permission.newBuilder()
                        .setUrlPath(PathMatcher.newBuilder().setPath(path(v)))
                        .build();
        };
    }

    private static Permission conditionPermission(String key, String v) {
        return switch (key) {
            case "destination.ip" ->
                Permission.newBuilder().setDestinationIp(cidr(v)).build();
            case "destination.port" ->
                Permission.newBuilder().setDestinationPort(Integer.parseInt(v)).build();
            default ->
                Permission.newBuilder().setRequestedServerName(string(v, "")).build();
        };
    }

    private static Principal source(String field, String v) {
        return switch (field) {
            case "principals" -> authenticated(string(v, "spiffe://"));
            case "namespaces" -> authenticated(regex(".*/ns/" + wildcard(v) + "/.*"));
            case "serviceAccounts" -> {
                String[] nsSa = v.split("/", 2);
                yield authenticated(regex("spiffe://.+/ns/" + Pattern.quote(nsSa[0]) + "/(.+/|)sa/"
                        + Pattern.quote(nsSa.length > 1 ? nsSa[1] : "") + "(/.+)?"));
            }
            case "ipBlocks" -> Principal.newBuilder().setDirectRemoteIp(cidr(v)).build();
            case "remoteIpBlocks" -> Principal.newBuilder().setRemoteIp(cidr(v)).build();
            default -> requestPrincipal(v);
        };
    }

    private static Principal conditionPrincipal(String key, String v) {
        if (key.startsWith("request.headers[")) {
            return Principal.newBuilder()
                    .setHeader(header(key.substring("request.headers[".length(), key.length() - 1), v))
                    .build();
        }
        if (key.startsWith("request.auth.claims[")) {
            return claim(brackets(key.substring("request.auth.claims".length())), v);
        }
        return switch (key) {
            case "source.ip" -> source("ipBlocks", v);
            case "remote.ip" -> source("remoteIpBlocks", v);
            case "source.namespace" -> source("namespaces", v);
            case "source.principal" -> source("principals", v);
            case "source.serviceAccount" -> source("serviceAccounts", v);
            case "request.auth.audiences" -> claim(List.of("aud"), v);
            case "request.auth.presenter" -> metadata(List.of("azp"), string(v, ""));
            default -> requestPrincipal(v);
        };
    }

    /** {@code iss/sub}, split at the last {@code /}: both claims must match; {@code *} asks for any token. */
    private static Principal requestPrincipal(String v) {
        int slash = v.lastIndexOf('/');
        if (v.equals("*") || slash < 0) {
            return metadata(List.of("sub"), string(v, ""));
        }
        String iss = v.substring(0, slash);
        String sub = v.substring(slash + 1);
        return Principal.newBuilder()
                .setAndIds(Principal.Set.newBuilder()
                        .addIds(metadata(List.of("iss"), string(iss, "")))
                        .addIds(metadata(List.of("sub"), string(sub.isEmpty() ? "*" : sub, ""))))
                .build();
    }

    /** A claim that is a list holding {@code v}, or a string equal to it. */
    private static Principal claim(List<String> path, String v) {
        ValueMatcher list = ValueMatcher.newBuilder()
                .setListMatch(ListMatcher.newBuilder()
                        .setOneOf(ValueMatcher.newBuilder().setStringMatch(string(v, ""))))
                .build();
        return Principal.newBuilder()
                .setOrIds(Principal.Set.newBuilder()
                        .addIds(metadataValue(path, list))
                        .addIds(metadata(path, string(v, ""))))
                .build();
    }

    private static Principal metadata(List<String> path, StringMatcher match) {
        return metadataValue(
                path, ValueMatcher.newBuilder().setStringMatch(match).build());
    }

    private static Principal metadataValue(List<String> path, ValueMatcher value) {
        MetadataMatcher.Builder m = MetadataMatcher.newBuilder().setFilter(JWT_FILTER);
        m.addPath(MetadataMatcher.PathSegment.newBuilder().setKey(JWT_PAYLOAD));
        path.forEach(k -> m.addPath(MetadataMatcher.PathSegment.newBuilder().setKey(k)));
        return Principal.newBuilder().setMetadata(m.setValue(value)).build();
    }

    private static List<String> brackets(String text) {
        List<String> out = new ArrayList<>();
        for (String part : text.split("]")) {
            if (part.startsWith("[")) {
                out.add(part.substring(1));
            }
        }
        return out;
    }

    private static Principal authenticated(StringMatcher name) {
        return Principal.newBuilder()
                .setAuthenticated(Principal.Authenticated.newBuilder().setPrincipalName(name))
                .build();
    }

    /** Istio's {@code StringMatcherWithPrefix}. */
    static StringMatcher string(String v, String prefix) {
        if (v.equals("*")) {
            return regex(".+");
        }
        if (v.startsWith("*")) {
            return StringMatcher.newBuilder().setSuffix(v.substring(1)).build();
        }
        if (v.endsWith("*")) {
            return StringMatcher.newBuilder()
                    .setPrefix(prefix + v.substring(0, v.length() - 1))
                    .build();
        }
        return StringMatcher.newBuilder().setExact(prefix + v).build();
    }

    /** A path, with Istio's {@code {*}} (one segment) and {@code {**}} (any segments) templates as a regex. */
    private static StringMatcher path(String v) {
        if (!v.contains("{")) {
            return string(v, "");
        }
        String re = Pattern.quote(v).replace("{**}", "\\E.+\\Q").replace("{*}", "\\E[^/]+\\Q");
        return regex(re);
    }

    private static HeaderMatcher header(String name, String v) {
        HeaderMatcher.Builder h = HeaderMatcher.newBuilder().setName(name);
        if (v.equals("*")) {
            return h.setPresentMatch(true).build();
        }
        return h.setStringMatch(string(v, "")).build();
    }

    /** {@code :authority} without case, with or without a port, as Istio's host matcher. */
    private static HeaderMatcher host(String v) {
        HeaderMatcher.Builder h = HeaderMatcher.newBuilder().setName(":authority");
        if (v.equals("*")) {
            return h.setPresentMatch(true).build();
        }
        if (v.startsWith("*") || v.endsWith("*")) {
            return h.setStringMatch(string(v, "").toBuilder().setIgnoreCase(true))
                    .build();
        }
        return h.setStringMatch(regex("(?i)" + Pattern.quote(v) + "(:[0-9]+)?")).build();
    }

    private static String wildcard(String v) {
        return Pattern.quote(v).replace("*", "\\E.*\\Q");
    }

    private static StringMatcher regex(String re) {
        return StringMatcher.newBuilder()
                .setSafeRegex(RegexMatcher.newBuilder().setRegex(re))
                .build();
    }

    private static CidrRange cidr(String v) {
        String[] parts = v.split("/", 2);
        int len = parts.length == 2 ? Integer.parseInt(parts[1]) : parts[0].contains(":") ? 128 : 32;
        return CidrRange.newBuilder()
                .setAddressPrefix(parts[0])
                .setPrefixLen(UInt32Value.of(len))
                .build();
    }
}
