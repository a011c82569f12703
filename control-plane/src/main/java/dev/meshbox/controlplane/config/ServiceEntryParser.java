package dev.meshbox.controlplane.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and validates a ServiceEntry spec as Istio's webhook does ({@code ValidateServiceEntry} in
 * {@code pkg/config/validation}), naming the field of each problem. Istio's messages are kept where it has one.
 */
final class ServiceEntryParser {

    private static final Set<String> PROTOCOLS =
            Set.of("HTTP", "HTTPS", "HTTP2", "GRPC", "GRPC-WEB", "TLS", "TCP", "MONGO", "REDIS", "MYSQL", "UDP");
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    private ServiceEntryParser() {}

    static ServiceEntry parse(ResourceMeta meta, String yaml, YamlNode spec) {
        spec.onlyFields(Set.of(
                "hosts",
                "addresses",
                "ports",
                "location",
                "resolution",
                "endpoints",
                "workloadSelector",
                "exportTo",
                "subjectAltNames"));
        YamlNode.Problems p = spec.problems();
        ServiceEntry.Resolution resolution =
                enumValue(spec, "resolution", ServiceEntry.Resolution.class, ServiceEntry.Resolution.NONE);
        boolean dns =
                resolution == ServiceEntry.Resolution.DNS || resolution == ServiceEntry.Resolution.DNS_ROUND_ROBIN;
        List<String> hosts = new ArrayList<>();
        List<String> rawHosts = spec.strings("hosts");
        if (rawHosts.isEmpty()) {
            p.add("spec.hosts", "service entry must have at least one host");
        }
        for (int i = 0; i < rawHosts.size(); i++) {
            String host = rawHosts.get(i).toLowerCase(Locale.ROOT);
            String field = "spec.hosts[" + i + "]";
            if (host.equals("*")) {
                p.add(field, "invalid host *");
            } else if (dns && ipv4(host)) {
                p.add(
                        field,
                        "hosts must be FQDN for resolution mode " + resolution + ", got the IP address \"" + host
                                + "\"; use resolution STATIC or NONE with addresses for an IP");
            } else {
                wildcardDomain(host).ifPresent(m -> p.add(field, m));
            }
            hosts.add(host);
        }
        ServiceEntry.Location location =
                enumValue(spec, "location", ServiceEntry.Location.class, ServiceEntry.Location.MESH_EXTERNAL);
        List<String> addresses = spec.strings("addresses");
        for (int i = 0; i < addresses.size(); i++) {
            String a = addresses.get(i);
            if (!ipOrCidr(a)) {
                p.add("spec.addresses[" + i + "]", "invalid IP address or CIDR \"" + a + "\"");
            } else if (a.contains("/")
                    && resolution != ServiceEntry.Resolution.NONE
                    && resolution != ServiceEntry.Resolution.STATIC) {
                p.add("spec.addresses[" + i + "]", "CIDR addresses are allowed only for NONE/STATIC resolution types");
            }
        }
        List<ServiceEntry.Port> ports = ports(spec, p);
        Set<String> portNames = new HashSet<>();
        ports.forEach(port -> portNames.add(port.name()));
        Map<String, String> selector = Map.of();
        if (spec.has("workloadSelector")) {
            YamlNode ws = spec.obj("workloadSelector");
            ws.onlyFields(Set.of("labels"));
            selector = ws.stringMap("labels");
            selector.forEach((k, v) -> {
                if (k.contains("*") || v.contains("*")) {
                    p.add("spec.workloadSelector.labels." + k, "wildcard is not supported in selector");
                }
            });
        }
        List<YamlNode> endpointNodes = spec.list("endpoints");
        if (spec.has("workloadSelector") && spec.has("endpoints")) {
            p.add("spec.endpoints", "only one of WorkloadSelector or Endpoints is allowed in Service Entry");
        }
        List<ServiceEntry.Endpoint> endpoints = new ArrayList<>();
        for (YamlNode e : endpointNodes) {
            ServiceEntry.Endpoint endpoint = endpoint(e, resolution, portNames);
            if (endpoint != null) {
                endpoints.add(endpoint);
            }
        }
        switch (resolution) {
            case NONE -> {
                if (!endpointNodes.isEmpty()) {
                    p.add("spec.endpoints", "no endpoints should be provided for resolution type none");
                }
            }
            case STATIC -> {
                for (int i = 0; i < hosts.size(); i++) {
                    if (hosts.get(i).startsWith("*")) {
                        p.add(
                                "spec.hosts[" + i + "]",
                                "wildcard host " + hosts.get(i) + " is not allowed with resolution STATIC: a STATIC"
                                        + " entry's endpoints serve named hosts; use resolution NONE for wildcards");
                    }
                }
            }
            case DNS, DNS_ROUND_ROBIN -> {
                if (resolution == ServiceEntry.Resolution.DNS_ROUND_ROBIN && endpointNodes.size() > 1) {
                    p.add(
                            "spec.endpoints",
                            "there must only be 0 or 1 endpoint for resolution mode DNS_ROUND_ROBIN, got "
                                    + endpointNodes.size());
                }
            }
            default -> {}
        }
        if (resolution != ServiceEntry.Resolution.NONE && hosts.size() > 1) {
            boolean differentiate = ports.stream()
                    .allMatch(port -> port.http()
                            || port.protocol().equals("HTTPS")
                            || port.protocol().equals("TLS"));
            if (!differentiate) {
                p.add("spec.hosts", "multiple hosts provided with non-HTTP, non-TLS ports");
            }
        }
        List<String> exportTo = spec.strings("exportTo");
        for (int i = 0; i < exportTo.size(); i++) {
            String to = exportTo.get(i);
            if (!to.equals("*") && !to.equals(".") && !LABEL.matcher(to).matches()) {
                p.add(
                        "spec.exportTo[" + i + "]",
                        "only . or * or a valid DNS 1123 label is allowed, got \"" + to + "\"");
            }
            if (to.equals("*") && exportTo.size() > 1) {
                p.add("spec.exportTo", "cannot have both public (*) and non-public exportTo values for a resource");
            }
        }
        ServiceEntry entry = new ServiceEntry(
                meta,
                yaml,
                hosts,
                addresses,
                ports,
                location,
                resolution,
                endpoints,
                selector,
                exportTo,
                spec.strings("subjectAltNames"));
        GlobalNames.check(entry, p);
        return entry;
    }

    private static List<ServiceEntry.Port> ports(YamlNode spec, YamlNode.Problems p) {
        List<YamlNode> nodes = spec.list("ports");
        if (nodes.isEmpty()) {
            p.add("spec.ports", "service entry must have at least one port");
        }
        List<ServiceEntry.Port> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<Long> numbers = new HashSet<>();
        for (YamlNode n : nodes) {
            n.onlyFields(Set.of("number", "name", "protocol", "targetPort"));
            long number = n.integer("number").orElse(0L);
            if (!n.has("number")) {
                n.problems().add(n.path() + ".number", "is required");
            } else if (number < 1 || number > 65535) {
                n.problems().add(n.path() + ".number", "port number " + number + " must be in the range 1..65535");
            }
            String name = n.str("name").orElse("");
            if (!LABEL.matcher(name).matches()) {
                n.problems().add(n.path() + ".name", "invalid port name: \"" + name + "\"");
            }
            String protocol = n.str("protocol").orElse("").toUpperCase(Locale.ROOT);
            if (!protocol.isEmpty() && !PROTOCOLS.contains(protocol)) {
                n.problems()
                        .add(
                                n.path() + ".protocol",
                                "unsupported protocol: " + n.str("protocol").orElse(""));
            }
            long target = n.integer("targetPort").orElse(0L);
            if (target < 0 || target > 65535) {
                n.problems().add(n.path() + ".targetPort", "port number " + target + " must be in the range 1..65535");
            }
            if (!names.add(name)) {
                n.problems().add(n.path() + ".name", "service entry port name \"" + name + "\" already defined");
            }
            if (!numbers.add(number)) {
                n.problems().add(n.path() + ".number", "service entry port " + number + " already defined");
            }
            out.add(new ServiceEntry.Port((int) number, name, protocol.isEmpty() ? "TCP" : protocol, (int) target));
        }
        return out;
    }

    private static ServiceEntry.Endpoint endpoint(
            YamlNode e, ServiceEntry.Resolution resolution, Set<String> portNames) {
        e.onlyFields(Set.of("address", "ports", "labels", "network", "locality", "weight", "serviceAccount"));
        String address = e.requiredStr("address");
        if (!address.isEmpty()) {
            if (resolution == ServiceEntry.Resolution.STATIC && !ipv4(address) && !address.contains(":")) {
                e.problems().add(e.path() + ".address", "\"" + address + "\" is not a valid IP address");
            } else if (!ipv4(address)
                    && !address.contains(":")
                    && wildcardDomain(address).isPresent()) {
                e.problems()
                        .add(
                                e.path() + ".address",
                                "endpoint address \"" + address + "\" is not a valid FQDN or an IP address");
            }
        }
        Map<String, Integer> ports = new LinkedHashMap<>();
        e.entries("ports").forEach((name, value) -> {
            Long port = value.isMissing() ? null : e.obj("ports").integer(name).orElse(null);
            if (!portNames.contains(name)) {
                e.problems()
                        .add(
                                e.path() + ".ports." + name,
                                "endpoint port " + port + " is not defined by the service entry");
            }
            if (port == null || port < 1 || port > 65535) {
                e.problems().add(e.path() + ".ports." + name, "port number " + port + " must be in the range 1..65535");
            } else {
                ports.put(name, port.intValue());
            }
        });
        long weight = e.integer("weight").orElse(0L);
        return new ServiceEntry.Endpoint(
                address, ports, e.stringMap("labels"), e.str("network").orElse(""), (int) weight);
    }

    private static <E extends Enum<E>> E enumValue(YamlNode spec, String field, Class<E> type, E fallback) {
        String text = spec.str(field).orElse(fallback.name());
        for (E value : type.getEnumConstants()) {
            if (value.name().equals(text)) {
                return value;
            }
        }
        List<String> names = new ArrayList<>();
        for (E value : type.getEnumConstants()) {
            names.add(value.name());
        }
        spec.problems().add("spec." + field, "must be one of " + String.join(", ", names) + ", got \"" + text + "\"");
        return fallback;
    }

    /** Istio's {@code ValidateWildcardDomain}: DNS labels, a {@code *} only as the whole first label. */
    static java.util.Optional<String> wildcardDomain(String host) {
        if (host.isEmpty()) {
            return java.util.Optional.of("domain name must not be empty");
        }
        if (host.length() > 255) {
            return java.util.Optional.of("domain name \"" + host + "\" too long (max 255)");
        }
        String rest = host.startsWith("*.") ? host.substring(2) : host.equals("*") ? "" : host;
        if (rest.contains("*")) {
            return java.util.Optional.of("domain name \"" + host + "\" invalid: a wildcard is only allowed as the"
                    + " first label, such as *.example.com");
        }
        String[] labels = rest.split("\\.", -1);
        for (String label : labels) {
            if (!LABEL.matcher(label).matches()) {
                return java.util.Optional.of(
                        "domain name \"" + host + "\" invalid (label \"" + label + "\" is not a DNS 1123 label)");
            }
        }
        String tld = labels[labels.length - 1];
        if (tld.matches("\\d+")) {
            return java.util.Optional.of(
                    "domain name \"" + host + "\" invalid (top level domain \"" + tld + "\" cannot be all-numeric)");
        }
        return java.util.Optional.empty();
    }

    static boolean ipv4(String text) {
        var m = IPV4.matcher(text);
        if (!m.matches()) {
            return false;
        }
        for (int i = 1; i <= 4; i++) {
            if (Integer.parseInt(m.group(i)) > 255) {
                return false;
            }
        }
        return true;
    }

    private static boolean ipOrCidr(String text) {
        int slash = text.indexOf('/');
        String ip = slash < 0 ? text : text.substring(0, slash);
        if (slash >= 0) {
            String bits = text.substring(slash + 1);
            if (!bits.matches("\\d{1,3}") || Integer.parseInt(bits) > (ip.contains(":") ? 128 : 32)) {
                return false;
            }
        }
        return ipv4(ip) || ip.contains(":") && ip.matches("[0-9a-fA-F:.]+");
    }
}
