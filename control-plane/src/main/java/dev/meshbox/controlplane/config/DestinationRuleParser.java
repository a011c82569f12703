package dev.meshbox.controlplane.config;

import dev.meshbox.controlplane.config.DestinationRule.ConnectionPool;
import dev.meshbox.controlplane.config.DestinationRule.ConsistentHash;
import dev.meshbox.controlplane.config.DestinationRule.HttpCookie;
import dev.meshbox.controlplane.config.DestinationRule.LoadBalancer;
import dev.meshbox.controlplane.config.DestinationRule.OutlierDetection;
import dev.meshbox.controlplane.config.DestinationRule.SimpleLb;
import dev.meshbox.controlplane.config.DestinationRule.Subset;
import dev.meshbox.controlplane.config.DestinationRule.TrafficPolicy;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Reads and validates a DestinationRule spec. */
final class DestinationRuleParser {

    private DestinationRuleParser() {}

    static DestinationRule parse(ResourceMeta meta, String yaml, YamlNode spec) {
        spec.onlyFields(Set.of("host", "trafficPolicy", "subsets", "exportTo", "workloadSelector"));
        String host = spec.requiredStr("host");
        Optional<TrafficPolicy> policy =
                spec.has("trafficPolicy") ? Optional.of(policy(spec.obj("trafficPolicy"))) : Optional.empty();
        List<Subset> subsets = spec.list("subsets", DestinationRuleParser::subset);
        Set<String> seen = new HashSet<>();
        List<YamlNode> nodes = spec.list("subsets");
        for (int i = 0; i < subsets.size() && i < nodes.size(); i++) {
            if (!seen.add(subsets.get(i).name())) {
                nodes.get(i).problem("duplicate subset name \"" + subsets.get(i).name() + "\"");
            }
        }
        return new DestinationRule(meta, yaml, host, policy, subsets);
    }

    private static Subset subset(YamlNode n) {
        n.onlyFields(Set.of("name", "labels", "trafficPolicy"));
        String name = n.requiredStr("name");
        Optional<TrafficPolicy> policy =
                n.has("trafficPolicy") ? Optional.of(policy(n.obj("trafficPolicy"))) : Optional.empty();
        return new Subset(name, n.stringMap("labels"), policy);
    }

    static TrafficPolicy policy(YamlNode n) {
        n.onlyFields(Set.of(
                "loadBalancer",
                "connectionPool",
                "outlierDetection",
                "tls",
                "portLevelSettings",
                "tunnel",
                "proxyProtocol",
                "retryBudget"));
        Optional<LoadBalancer> lb =
                n.has("loadBalancer") ? Optional.of(loadBalancer(n.obj("loadBalancer"))) : Optional.empty();
        Optional<ConnectionPool> pool =
                n.has("connectionPool") ? Optional.of(pool(n.obj("connectionPool"))) : Optional.empty();
        Optional<OutlierDetection> od =
                n.has("outlierDetection") ? Optional.of(outlier(n.obj("outlierDetection"))) : Optional.empty();
        Optional<DestinationRule.ClientTls> tls = n.has("tls") ? tls(n.obj("tls")) : Optional.empty();
        List<DestinationRule.PortTrafficPolicy> ports = n.list("portLevelSettings", DestinationRuleParser::portLevel);
        Set<Integer> seen = new HashSet<>();
        List<YamlNode> portNodes = n.list("portLevelSettings");
        for (int i = 0; i < ports.size() && i < portNodes.size(); i++) {
            if (ports.get(i).port() > 0 && !seen.add(ports.get(i).port())) {
                portNodes
                        .get(i)
                        .problem("duplicate port level setting for port "
                                + ports.get(i).port());
            }
        }
        return new TrafficPolicy(lb, pool, od, tls, ports);
    }

    /** A {@code portLevelSettings} entry: {@code port.number} and the policy fields a port can override. */
    private static DestinationRule.PortTrafficPolicy portLevel(YamlNode n) {
        n.onlyFields(Set.of("port", "loadBalancer", "connectionPool", "outlierDetection", "tls"));
        int port = 0;
        if (!n.has("port")) {
            n.problems().add(n.path() + ".port", "port must be specified");
        } else {
            YamlNode p = n.obj("port");
            p.onlyFields(Set.of("number"));
            long number = p.integer("number").orElse(0L);
            if (number < 1 || number > 65535) {
                p.problems().add(p.path() + ".number", "must be a port number in 1..65535, got " + number);
            } else {
                port = (int) number;
            }
        }
        return new DestinationRule.PortTrafficPolicy(
                port,
                n.has("loadBalancer") ? Optional.of(loadBalancer(n.obj("loadBalancer"))) : Optional.empty(),
                n.has("connectionPool") ? Optional.of(pool(n.obj("connectionPool"))) : Optional.empty(),
                n.has("outlierDetection") ? Optional.of(outlier(n.obj("outlierDetection"))) : Optional.empty(),
                n.has("tls") ? tls(n.obj("tls")) : Optional.empty());
    }

    /** {@code tls}, validated as Istio's webhook ({@code validateTLS}). */
    private static Optional<DestinationRule.ClientTls> tls(YamlNode n) {
        n.onlyFields(Set.of(
                "mode",
                "clientCertificate",
                "privateKey",
                "caCertificates",
                "credentialName",
                "subjectAltNames",
                "sni",
                "insecureSkipVerify",
                "caCrl"));
        Optional<String> modeText = n.str("mode");
        DestinationRule.TlsMode mode = DestinationRule.TlsMode.DISABLE;
        if (modeText.isPresent()) {
            try {
                mode = DestinationRule.TlsMode.valueOf(modeText.get());
            } catch (IllegalArgumentException e) {
                n.problems()
                        .add(
                                n.path() + ".mode",
                                "must be one of DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL, got \"" + modeText.get() + "\"");
                return Optional.empty();
            }
        }
        Optional<String> cert = n.str("clientCertificate").filter(v -> !v.isEmpty());
        Optional<String> key = n.str("privateKey").filter(v -> !v.isEmpty());
        Optional<String> ca = n.str("caCertificates").filter(v -> !v.isEmpty());
        Optional<String> credential = n.str("credentialName").filter(v -> !v.isEmpty());
        if (mode == DestinationRule.TlsMode.ISTIO_MUTUAL
                && (cert.isPresent() || key.isPresent() || ca.isPresent() || credential.isPresent())) {
            n.problem("cannot specify client certificates or CA certificate or credentialName If tls mode is"
                    + " ISTIO_MUTUAL");
        }
        if (mode == DestinationRule.TlsMode.MUTUAL && credential.isEmpty()) {
            if (cert.isEmpty()) {
                n.problems().add(n.path() + ".clientCertificate", "client certificate required for mutual tls");
            }
            if (key.isEmpty()) {
                n.problems().add(n.path() + ".privateKey", "private key required for mutual tls");
            }
        }
        return Optional.of(new DestinationRule.ClientTls(
                mode,
                cert,
                key,
                ca,
                credential,
                n.strings("subjectAltNames"),
                n.str("sni").filter(v -> !v.isEmpty()),
                n.bool("insecureSkipVerify").orElse(false)));
    }

    private static LoadBalancer loadBalancer(YamlNode n) {
        n.onlyFields(Set.of("simple", "consistentHash", "localityLbSetting", "warmupDurationSecs", "warmup"));
        SimpleLb simple = SimpleLb.UNSPECIFIED;
        Optional<String> s = n.str("simple");
        if (s.isPresent()) {
            try {
                simple = SimpleLb.valueOf(s.get());
            } catch (IllegalArgumentException e) {
                n.problems()
                        .add(
                                n.path() + ".simple",
                                "must be one of LEAST_REQUEST, ROUND_ROBIN, RANDOM, PASSTHROUGH, got \"" + s.get()
                                        + "\"");
            }
        }
        Optional<ConsistentHash> hash = Optional.empty();
        if (n.has("consistentHash")) {
            YamlNode h = n.obj("consistentHash");
            h.onlyFields(Set.of(
                    "httpHeaderName",
                    "httpCookie",
                    "useSourceIp",
                    "httpQueryParameterName",
                    "ringHash",
                    "maglev",
                    "minimumRingSize"));
            Optional<HttpCookie> cookie = Optional.empty();
            if (h.has("httpCookie")) {
                YamlNode c = h.obj("httpCookie");
                c.onlyFields(Set.of("name", "path", "ttl", "attributes"));
                cookie = Optional.of(new HttpCookie(c.requiredStr("name"), c.str("path"), c.duration("ttl")));
            }
            hash = Optional.of(new ConsistentHash(
                    h.str("httpHeaderName"),
                    cookie,
                    h.bool("useSourceIp").orElse(false),
                    h.str("httpQueryParameterName"),
                    h.integer("minimumRingSize").orElse(1024L)));
            if (s.isPresent()) {
                n.problem("may set only one of simple and consistentHash");
            }
        }
        Optional<DestinationRule.LocalityLbSetting> locality = n.has("localityLbSetting")
                ? Optional.of(LocalityLbSettingParser.parse(n.obj("localityLbSetting")))
                : Optional.empty();
        return new LoadBalancer(simple, hash, locality);
    }

    private static ConnectionPool pool(YamlNode n) {
        n.onlyFields(Set.of("tcp", "http"));
        YamlNode tcp = n.obj("tcp");
        tcp.onlyFields(
                Set.of("maxConnections", "connectTimeout", "tcpKeepalive", "maxConnectionDuration", "idleTimeout"));
        YamlNode http = n.obj("http");
        http.onlyFields(Set.of(
                "http1MaxPendingRequests",
                "http2MaxRequests",
                "maxRequestsPerConnection",
                "maxRetries",
                "idleTimeout",
                "h2UpgradePolicy",
                "useClientProtocol",
                "maxConcurrentStreams"));
        return new ConnectionPool(
                positive(tcp, "maxConnections"),
                tcp.duration("connectTimeout"),
                positive(http, "http1MaxPendingRequests"),
                positive(http, "http2MaxRequests"),
                nonNegative(http, "maxRequestsPerConnection"),
                nonNegative(http, "maxRetries"),
                http.duration("idleTimeout"),
                h2UpgradePolicy(http),
                http.bool("useClientProtocol"));
    }

    /** {@code DEFAULT}, {@code DO_NOT_UPGRADE} or {@code UPGRADE}; the mesh's default (no upgrade) when unset. */
    private static Optional<String> h2UpgradePolicy(YamlNode http) {
        Optional<String> v = http.str("h2UpgradePolicy");
        if (v.isPresent() && !Set.of("DEFAULT", "DO_NOT_UPGRADE", "UPGRADE").contains(v.get())) {
            http.problems()
                    .add(
                            http.path() + ".h2UpgradePolicy",
                            "must be one of DEFAULT, DO_NOT_UPGRADE, UPGRADE, got \"" + v.get() + "\"");
            return Optional.empty();
        }
        return v;
    }

    private static OutlierDetection outlier(YamlNode n) {
        n.onlyFields(Set.of(
                "consecutive5xxErrors",
                "consecutiveGatewayErrors",
                "consecutiveErrors",
                "interval",
                "baseEjectionTime",
                "maxEjectionPercent",
                "minHealthPercent",
                "splitExternalLocalOriginErrors",
                "consecutiveLocalOriginFailures"));
        Optional<Integer> maxPct = nonNegative(n, "maxEjectionPercent");
        maxPct.filter(v -> v > 100)
                .ifPresent(
                        v -> n.problems().add(n.path() + ".maxEjectionPercent", "must be between 0 and 100, got " + v));
        Optional<Integer> minHealth = nonNegative(n, "minHealthPercent");
        minHealth
                .filter(v -> v > 100)
                .ifPresent(
                        v -> n.problems().add(n.path() + ".minHealthPercent", "must be between 0 and 100, got " + v));
        return new OutlierDetection(
                nonNegative(n, "consecutive5xxErrors").or(() -> nonNegative(n, "consecutiveErrors")),
                nonNegative(n, "consecutiveGatewayErrors"),
                n.duration("interval"),
                n.duration("baseEjectionTime"),
                maxPct,
                minHealth);
    }

    private static Optional<Integer> positive(YamlNode n, String key) {
        Optional<Integer> v = n.integer(key).map(Long::intValue);
        v.filter(x -> x < 1).ifPresent(x -> n.problems().add(n.path() + "." + key, "must be >= 1, got " + x));
        return v;
    }

    private static Optional<Integer> nonNegative(YamlNode n, String key) {
        Optional<Integer> v = n.integer(key).map(Long::intValue);
        v.filter(x -> x < 0).ifPresent(x -> n.problems().add(n.path() + "." + key, "must be >= 0, got " + x));
        return v;
    }
}
