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
        Optional<DestinationRule.TlsMode> tls = n.has("tls") ? tls(n.obj("tls")) : Optional.empty();
        return new TrafficPolicy(lb, pool, od, tls);
    }

    private static Optional<DestinationRule.TlsMode> tls(YamlNode n) {
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
        Optional<String> mode = n.str("mode");
        if (mode.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(DestinationRule.TlsMode.valueOf(mode.get()));
        } catch (IllegalArgumentException e) {
            n.problems()
                    .add(
                            n.path() + ".mode",
                            "must be one of DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL, got \"" + mode.get() + "\"");
            return Optional.empty();
        }
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
        return new LoadBalancer(simple, hash);
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
                http.duration("idleTimeout"));
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
