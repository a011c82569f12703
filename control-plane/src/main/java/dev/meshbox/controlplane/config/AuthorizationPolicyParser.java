package dev.meshbox.controlplane.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and validates an AuthorizationPolicy spec as Istio's admission webhook does ({@code ValidateAuthorizationPolicy}
 * in {@code pkg/config/validation}): a known action, CUSTOM with a provider and the others without, no empty
 * {@code from}, {@code to}, source or operation, well-formed principals, IP blocks, ports, methods and paths, and only
 * the {@code when} keys Istio knows.
 */
final class AuthorizationPolicyParser {

    static final List<String> SOURCE_FIELDS = List.of(
            "principals",
            "notPrincipals",
            "requestPrincipals",
            "notRequestPrincipals",
            "namespaces",
            "notNamespaces",
            "serviceAccounts",
            "notServiceAccounts",
            "ipBlocks",
            "notIpBlocks",
            "remoteIpBlocks",
            "notRemoteIpBlocks");
    static final List<String> OPERATION_FIELDS =
            List.of("hosts", "notHosts", "ports", "notPorts", "methods", "notMethods", "paths", "notPaths");

    private static final Set<String> PLAIN_KEYS = Set.of(
            "source.ip",
            "remote.ip",
            "source.namespace",
            "source.principal",
            "source.serviceAccount",
            "request.auth.principal",
            "request.auth.audiences",
            "request.auth.presenter",
            "destination.ip",
            "destination.port",
            "connection.sni");
    private static final Pattern BRACKETED =
            Pattern.compile("(request\\.headers|request\\.auth\\.claims)(\\[[^\\[\\]]+])+");
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private AuthorizationPolicyParser() {}

    static AuthorizationPolicy parse(ResourceMeta meta, String yaml, YamlNode spec, YamlNode metadata) {
        spec.onlyFields(Set.of("selector", "targetRef", "targetRefs", "action", "provider", "rules"));
        YamlNode.Problems p = spec.problems();
        String actionText = spec.str("action").orElse("ALLOW");
        AuthorizationPolicy.Action action = action(actionText);
        if (action == null) {
            p.add("spec.action", "must be one of ALLOW, DENY, AUDIT, CUSTOM, got \"" + actionText + "\"");
        }
        YamlNode selector = spec.obj("selector");
        selector.onlyFields(Set.of("matchLabels"));
        Map<String, String> labels = selector.stringMap("matchLabels");
        List<String> targetRefs = new ArrayList<>();
        if (spec.has("targetRef")) {
            targetRefs.add(targetRef(spec.obj("targetRef")));
        }
        spec.list("targetRefs").forEach(n -> targetRefs.add(targetRef(n)));
        if (!targetRefs.isEmpty() && spec.has("selector")) {
            p.add("spec.selector", "only one of targetRefs or workload selector can be set");
        }
        YamlNode providerNode = spec.obj("provider");
        providerNode.onlyFields(Set.of("name"));
        String provider = providerNode.str("name").orElse("");
        if (action == AuthorizationPolicy.Action.CUSTOM && provider.isEmpty()) {
            p.add("spec.provider.name", "is required for the CUSTOM action");
        } else if (action != null && action != AuthorizationPolicy.Action.CUSTOM && spec.has("provider")) {
            p.add("spec.provider", "must only be set with the CUSTOM action, got action " + action);
        }
        List<AuthorizationPolicy.Rule> rules = spec.list("rules", n -> rule(n, action));
        boolean dryRun = dryRun(metadata.stringMap("annotations"), p);
        return new AuthorizationPolicy(
                meta,
                yaml,
                labels,
                List.copyOf(targetRefs),
                action == null ? AuthorizationPolicy.Action.ALLOW : action,
                provider,
                rules,
                dryRun);
    }

    /** {@code istio.io/dry-run} read as Go's strconv.ParseBool reads it, as Istio does; anything else is a problem. */
    private static boolean dryRun(Map<String, String> annotations, YamlNode.Problems p) {
        String value = annotations.get(AuthorizationPolicy.DRY_RUN_ANNOTATION);
        if (value == null) {
            return false;
        }
        if (Set.of("1", "t", "T", "TRUE", "true", "True").contains(value)) {
            return true;
        }
        if (!Set.of("0", "f", "F", "FALSE", "false", "False").contains(value)) {
            p.add(
                    "metadata.annotations[" + AuthorizationPolicy.DRY_RUN_ANNOTATION + "]",
                    "must be \"true\" or \"false\", got \"" + value + "\"");
        }
        return false;
    }

    private static AuthorizationPolicy.Action action(String text) {
        for (AuthorizationPolicy.Action a : AuthorizationPolicy.Action.values()) {
            if (a.name().equals(text)) {
                return a;
            }
        }
        return null;
    }

    private static String targetRef(YamlNode n) {
        n.onlyFields(Set.of("group", "kind", "name", "namespace"));
        String kind = n.requiredStr("kind");
        String name = n.requiredStr("name");
        return kind + "/" + name;
    }

    private static AuthorizationPolicy.Rule rule(YamlNode n, AuthorizationPolicy.Action action) {
        n.onlyFields(Set.of("from", "to", "when"));
        if (n.has("from") && n.list("from").isEmpty()) {
            n.problems().add(n.path() + ".from", "must not be empty; leave it out to match any source");
        }
        if (n.has("to") && n.list("to").isEmpty()) {
            n.problems().add(n.path() + ".to", "must not be empty; leave it out to match any operation");
        }
        List<AuthorizationPolicy.Fields> from = n.list("from", f -> fields(f, "source", SOURCE_FIELDS));
        List<AuthorizationPolicy.Fields> to = n.list("to", t -> fields(t, "operation", OPERATION_FIELDS));
        List<AuthorizationPolicy.Condition> when = n.list("when", AuthorizationPolicyParser::condition);
        if (action == AuthorizationPolicy.Action.CUSTOM) {
            for (AuthorizationPolicy.Fields f : from) {
                for (String field : List.of("principals", "notPrincipals", "namespaces", "notNamespaces")) {
                    if (f.values().containsKey(field)) {
                        n.problems().add(n.path() + ".from", field + " is not allowed with the CUSTOM action");
                    }
                }
            }
        }
        return new AuthorizationPolicy.Rule(from, to, when);
    }

    private static AuthorizationPolicy.Fields fields(YamlNode entry, String wrapper, List<String> known) {
        entry.onlyFields(Set.of(wrapper));
        if (!entry.has(wrapper)) {
            entry.problems().add(entry.path() + "." + wrapper, "is required");
            return null;
        }
        YamlNode n = entry.obj(wrapper);
        n.onlyFields(Set.copyOf(known));
        Map<String, List<String>> values = new LinkedHashMap<>();
        for (String field : known) {
            if (n.has(field)) {
                List<String> list = n.strings(field);
                for (int i = 0; i < list.size(); i++) {
                    check(n.problems(), n.path() + "." + field + "[" + i + "]", field, list.get(i));
                }
                values.put(field, list);
            }
        }
        if (values.values().stream().allMatch(List::isEmpty)) {
            entry.problems().add(n.path(), "must not be empty; set at least one field");
        }
        return new AuthorizationPolicy.Fields(values);
    }

    private static AuthorizationPolicy.Condition condition(YamlNode n) {
        n.onlyFields(Set.of("key", "values", "notValues"));
        String key = n.requiredStr("key");
        List<String> values = n.strings("values");
        List<String> notValues = n.strings("notValues");
        if (!key.isEmpty()
                && !PLAIN_KEYS.contains(key)
                && !BRACKETED.matcher(key).matches()) {
            n.problems()
                    .add(
                            n.path() + ".key",
                            "unknown attribute \"" + key + "\"; expected one of request.headers[NAME],"
                                    + " request.auth.claims[NAME], "
                                    + String.join(
                                            ", ", PLAIN_KEYS.stream().sorted().toList()));
        }
        if (values.isEmpty() && notValues.isEmpty()) {
            n.problems().add(n.path(), "must set values or notValues");
        }
        String field = switch (key) {
            case "source.ip", "remote.ip", "destination.ip" -> "ipBlocks";
            case "destination.port" -> "ports";
            case "source.principal" -> "principals";
            default -> "values";
        };
        for (int i = 0; i < values.size(); i++) {
            check(n.problems(), n.path() + ".values[" + i + "]", field, values.get(i));
        }
        for (int i = 0; i < notValues.size(); i++) {
            check(n.problems(), n.path() + ".notValues[" + i + "]", field, notValues.get(i));
        }
        return new AuthorizationPolicy.Condition(key, values, notValues);
    }

    /** One value of a field, checked as Istio's webhook does for that field. */
    private static void check(YamlNode.Problems p, String at, String field, String value) {
        if (value.isEmpty()) {
            p.add(at, "must not be empty");
            return;
        }
        String plain = field.startsWith("not") ? Character.toLowerCase(field.charAt(3)) + field.substring(4) : field;
        switch (plain) {
            case "ipBlocks", "remoteIpBlocks" -> {
                if (!isCidr(value)) {
                    p.add(at, "must be an IP address or a CIDR block such as 10.0.0.0/16, got \"" + value + "\"");
                }
            }
            case "ports" -> {
                if (!value.matches("\\d{1,5}") || Integer.parseInt(value) > 65535) {
                    p.add(at, "must be a port number between 0 and 65535, got \"" + value + "\"");
                }
            }
            case "methods" -> {
                if (!TOKEN.matcher(value).matches()) {
                    p.add(at, "must be an HTTP method such as GET, got \"" + value + "\"");
                }
            }
            case "paths" -> {
                if (!value.startsWith("/") && !value.startsWith("*")) {
                    p.add(at, "must start with \"/\" or \"*\", got \"" + value + "\"");
                } else if (value.indexOf('*', 1) >= 0
                        && value.indexOf('*', 1) < value.length() - 1
                        && !value.contains("{")) {
                    p.add(
                            at,
                            "may hold \"*\" only at its start or end (prefix, suffix or presence), got \"" + value
                                    + "\"");
                }
            }
            case "principals", "requestPrincipals", "namespaces", "serviceAccounts" -> {
                if (value.chars().anyMatch(Character::isWhitespace)) {
                    p.add(at, "must not contain white space, got \"" + value + "\"");
                } else if (plain.equals("principals") && value.startsWith("spiffe://")) {
                    p.add(at, "is written without \"spiffe://\" (Istio adds it), got \"" + value + "\"");
                } else if (plain.equals("serviceAccounts") && !value.contains("/")) {
                    p.add(at, "must be NAMESPACE/SERVICE_ACCOUNT, got \"" + value + "\"");
                } else if (value.length() > 1
                        && value.substring(1, value.length() - 1).contains("*")) {
                    p.add(at, "may hold \"*\" only at its start or end, got \"" + value + "\"");
                }
            }
            default -> {}
        }
    }

    static boolean isCidr(String value) {
        String[] parts = value.split("/", -1);
        if (parts.length > 2) {
            return false;
        }
        String ip = parts[0];
        boolean v4 = IPV4.matcher(ip).matches();
        if (v4) {
            for (String octet : ip.split("\\.")) {
                if (Integer.parseInt(octet) > 255) {
                    return false;
                }
            }
        } else if (!ip.contains(":") || !ip.matches("[0-9a-fA-F:.]+")) {
            return false;
        }
        if (parts.length == 2) {
            if (!parts[1].matches("\\d{1,3}")) {
                return false;
            }
            return Integer.parseInt(parts[1]) <= (v4 ? 32 : 128);
        }
        return true;
    }
}
