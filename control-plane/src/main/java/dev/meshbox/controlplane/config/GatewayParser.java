package dev.meshbox.controlplane.config;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Reads and validates a Gateway spec. */
final class GatewayParser {
    private static final Set<String> PROTOCOLS = Set.of("HTTP", "HTTPS", "GRPC", "HTTP2", "MONGO", "TCP", "TLS");

    private GatewayParser() {}

    static Gateway parse(ResourceMeta meta, String yaml, YamlNode spec) {
        spec.onlyFields(Set.of("selector", "servers"));
        List<Gateway.Server> servers = spec.list("servers", GatewayParser::server);
        if (servers.isEmpty() && spec.list("servers").isEmpty()) {
            spec.problems().add("spec.servers", "must list at least one server");
        }
        return new Gateway(meta, yaml, spec.stringMap("selector"), servers);
    }

    private static Gateway.Server server(YamlNode n) {
        n.onlyFields(Set.of("port", "bind", "hosts", "tls", "name", "defaultEndpoint"));
        YamlNode port = n.obj("port");
        port.onlyFields(Set.of("number", "protocol", "name", "targetPort"));
        int number = port.integer("number").map(Long::intValue).orElse(0);
        if (number < 1 || number > 65535) {
            port.problems().add(port.path() + ".number", "must be a port between 1 and 65535, got " + number);
        }
        String protocol = port.requiredStr("protocol").toUpperCase(Locale.ROOT);
        if (!protocol.isEmpty() && !PROTOCOLS.contains(protocol)) {
            port.problems()
                    .add(
                            port.path() + ".protocol",
                            "must be one of "
                                    + String.join(
                                            ", ", PROTOCOLS.stream().sorted().toList()) + ", got \"" + protocol + "\"");
        }
        List<String> hosts = n.strings("hosts");
        if (hosts.isEmpty()) {
            n.problems().add(n.path() + ".hosts", "must list at least one host");
        }
        Gateway.ServerTls tls = n.has("tls") ? GatewayTlsParser.parse(n.obj("tls")) : Gateway.ServerTls.NONE;
        GatewayTlsParser.checkAgainstProtocol(n, protocol, n.has("tls"), tls);
        return new Gateway.Server(number, port.str("name").orElse(""), protocol, hosts, tls);
    }
}
