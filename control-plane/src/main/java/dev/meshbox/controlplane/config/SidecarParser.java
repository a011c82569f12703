package dev.meshbox.controlplane.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and validates a Sidecar spec as Istio's webhook does ({@code ValidateSidecar},
 * {@code validateNamespaceSlashWildcardHostname} in {@code pkg/config/validation}), naming the field of each problem;
 * Istio's messages are kept where it has one.
 */
final class SidecarParser {

    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Set<String> PROTOCOLS =
            Set.of("HTTP", "HTTPS", "HTTP2", "GRPC", "GRPC-WEB", "TLS", "TCP", "MONGO", "REDIS", "MYSQL", "UDP");
    private static final Set<String> CAPTURE_MODES = Set.of("DEFAULT", "IPTABLES", "NONE");
    private static final Set<String> ENDPOINT_HOSTS = Set.of("127.0.0.1", "0.0.0.0", "[::1]", "[::]", "");

    private SidecarParser() {}

    static Sidecar parse(ResourceMeta meta, String yaml, YamlNode spec) {
        spec.onlyFields(
                Set.of("workloadSelector", "ingress", "egress", "outboundTrafficPolicy", "inboundConnectionPool"));
        YamlNode.Problems p = spec.problems();
        Map<String, String> selector = Map.of();
        if (spec.has("workloadSelector")) {
            YamlNode ws = spec.obj("workloadSelector");
            ws.onlyFields(Set.of("labels"));
            selector = ws.stringMap("labels");
            if (selector.isEmpty()) {
                p.add("spec.workloadSelector.labels", "sidecar: workloadSelector cannot have empty labels");
            }
            selector.forEach((k, v) -> {
                if (k.contains("*") || v.contains("*")) {
                    p.add("spec.workloadSelector.labels." + k, "wildcard is not supported in selector");
                }
            });
        }
        if (!spec.has("egress")
                && !spec.has("ingress")
                && !spec.has("outboundTrafficPolicy")
                && !spec.has("inboundConnectionPool")) {
            p.add("spec", "sidecar: empty configuration provided");
        }
        List<Sidecar.Ingress> ingress = new ArrayList<>();
        Set<Integer> ingressPorts = new HashSet<>();
        List<YamlNode> ingressNodes = spec.list("ingress");
        for (int i = 0; i < ingressNodes.size(); i++) {
            Sidecar.Ingress in = ingress(ingressNodes.get(i), "spec.ingress[" + i + "]", p);
            if (in != null) {
                if (!ingressPorts.add(in.port())) {
                    p.add("spec.ingress[" + i + "].port.number", "sidecar: ports on IP bound listeners must be unique");
                }
                ingress.add(in);
            }
        }
        List<Sidecar.Egress> egress = new ArrayList<>();
        Set<Integer> egressPorts = new HashSet<>();
        List<YamlNode> egressNodes = spec.list("egress");
        for (int i = 0; i < egressNodes.size(); i++) {
            String field = "spec.egress[" + i + "]";
            YamlNode e = egressNodes.get(i);
            e.onlyFields(Set.of("port", "bind", "captureMode", "hosts"));
            int port = 0;
            if (e.has("port")) {
                port = port(e.obj("port"), field + ".port", p);
                if (port > 0 && !egressPorts.add(port)) {
                    p.add(field + ".port.number", "sidecar: ports on IP bound listeners must be unique");
                }
            } else if (i != egressNodes.size() - 1) {
                p.add(field, "sidecar: the egress listener with empty port should be the last listener in the list");
            }
            captureMode(e, field, p);
            List<String> hosts = e.strings("hosts");
            if (hosts.isEmpty()) {
                p.add(field + ".hosts", "sidecar: egress listener must contain at least one host");
            }
            for (int h = 0; h < hosts.size(); h++) {
                String problem = host(hosts.get(h)).orElse(null);
                if (problem != null) {
                    p.add(field + ".hosts[" + h + "]", problem + ", got \"" + hosts.get(h) + "\"");
                }
            }
            egress.add(new Sidecar.Egress(port, hosts));
        }
        Optional<OutboundTrafficPolicy> policy = Optional.empty();
        if (spec.has("outboundTrafficPolicy")) {
            YamlNode otp = spec.obj("outboundTrafficPolicy");
            otp.onlyFields(Set.of("mode", "egressProxy"));
            String mode = otp.str("mode").orElse("REGISTRY_ONLY");
            switch (mode) {
                case "ALLOW_ANY" -> policy = Optional.of(OutboundTrafficPolicy.ALLOW_ANY);
                case "REGISTRY_ONLY" -> policy = Optional.of(OutboundTrafficPolicy.REGISTRY_ONLY);
                default ->
                    p.add(
                            "spec.outboundTrafficPolicy.mode",
                            "must be one of REGISTRY_ONLY, ALLOW_ANY, got \"" + mode + "\"");
            }
            if (otp.has("egressProxy")) {
                p.add(
                        "spec.outboundTrafficPolicy.egressProxy",
                        "egressProxy is not supported by MeshBox (Istio's ALLOW_ANY egress proxy);"
                                + " route through an egress gateway instead");
            }
        }
        return new Sidecar(meta, yaml, selector, egress, ingress, policy);
    }

    private static Sidecar.Ingress ingress(YamlNode in, String field, YamlNode.Problems p) {
        in.onlyFields(Set.of("port", "bind", "captureMode", "defaultEndpoint", "tls", "connectionPool"));
        if (!in.has("port")) {
            p.add(field + ".port", "sidecar: port is required for ingress listeners");
            return null;
        }
        YamlNode portNode = in.obj("port");
        int port = port(portNode, field + ".port", p);
        captureMode(in, field, p);
        String endpoint = in.str("defaultEndpoint").orElse("");
        if (!endpoint.isEmpty()) {
            if (endpoint.startsWith("unix://")) {
                p.add(
                        field + ".defaultEndpoint",
                        "unix domain sockets are not supported by MeshBox, got \"" + endpoint + "\"");
                endpoint = "";
            } else {
                int colon = endpoint.lastIndexOf(':');
                String host = colon < 0 ? endpoint : endpoint.substring(0, colon);
                String portText = colon < 0 ? "" : endpoint.substring(colon + 1);
                if (colon < 0 || !ENDPOINT_HOSTS.contains(host)) {
                    p.add(
                            field + ".defaultEndpoint",
                            "sidecar: defaultEndpoint must be of form 127.0.0.1:<port>,0.0.0.0:<port>,[::1]:port,"
                                    + "[::]:port,unix://filepath or unset, got \"" + endpoint + "\"");
                    endpoint = "";
                } else if (!portText.matches("\\d{1,5}")
                        || Integer.parseInt(portText) < 1
                        || Integer.parseInt(portText) > 65535) {
                    p.add(
                            field + ".defaultEndpoint",
                            "sidecar: defaultEndpoint port (" + portText + ") must be a number in 1..65535");
                    endpoint = "";
                }
            }
        }
        String protocol = portNode.str("protocol").orElse("");
        return new Sidecar.Ingress(port, protocol, portNode.str("name").orElse(""), endpoint);
    }

    /** A listener's port: number 1..65535, a name, a known protocol (Istio's {@code validateSidecarPortBind...}). */
    private static int port(YamlNode port, String field, YamlNode.Problems p) {
        port.onlyFields(Set.of("number", "protocol", "name", "targetPort"));
        long number = port.integer("number").orElse(0L);
        if (number < 1 || number > 65535) {
            p.add(field + ".number", "port number " + number + " must be in the range 1..65535");
            number = 0;
        }
        String protocol = port.str("protocol").orElse("");
        if (!protocol.isEmpty() && !PROTOCOLS.contains(protocol.toUpperCase(java.util.Locale.ROOT))) {
            p.add(field + ".protocol", "unrecognized protocol \"" + protocol + "\"");
        }
        return (int) number;
    }

    private static void captureMode(YamlNode listener, String field, YamlNode.Problems p) {
        listener.str("captureMode").ifPresent(mode -> {
            if (!CAPTURE_MODES.contains(mode)) {
                p.add(field + ".captureMode", "must be one of DEFAULT, IPTABLES, NONE, got \"" + mode + "\"");
            }
        });
    }

    /**
     * Istio's {@code validateNamespaceSlashWildcardHostname} for sidecars: {@code namespace/dnsName}, the namespace
     * {@code *}, {@code .} or a DNS label, the name {@code *} or a wildcard domain; a leading {@code ~} excludes the
     * hosts that follow it ({@code ~/host} in any namespace).
     */
    static Optional<String> host(String entry) {
        String host = entry.startsWith("~") && entry.length() > 1 ? entry.substring(1) : entry;
        if (host.startsWith("/") && entry.startsWith("~")) {
            host = "*" + host;
        }
        int slash = host.indexOf('/');
        if (slash < 0) {
            return Optional.of("host must be of form namespace/dnsName");
        }
        String ns = host.substring(0, slash);
        String name = host.substring(slash + 1);
        if (ns.isEmpty() || name.isEmpty()) {
            return Optional.of("config namespace and dnsName in host entry cannot be empty");
        }
        if (!ns.equals("*")
                && !ns.equals(".")
                && !ns.equals("~")
                && !NAMESPACE.matcher(ns).matches()) {
            return Optional.of("invalid namespace \"" + ns + "\": must be a DNS 1123 label, * or .");
        }
        if (name.equals("*")) {
            return Optional.empty();
        }
        return ServiceEntryParser.wildcardDomain(name);
    }
}
