package dev.meshbox.proxy.filter;

import dev.meshbox.proxy.http.HttpExchange;
import dev.meshbox.proxy.http.HttpFilter;
import dev.meshbox.proxy.http.Outcome;
import dev.meshbox.proxy.http.RequestFacts;
import dev.meshbox.proxy.route.RouteDecision;
import dev.meshbox.proxy.spec.EndpointSpec;
import dev.meshbox.proxy.stats.IstioMetrics;
import dev.meshbox.proxy.stats.RequestLabels;
import dev.meshbox.proxy.stats.Workload;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code istio.stats}: Istio's standard metrics for every finished request. A sidecar's inbound side reports as
 * {@code destination} (the caller known from the metadata exchange), everything else (a sidecar's outbound, a
 * gateway) as {@code source} (the callee known from the EDS endpoint's Istio metadata, else from the exchange).
 */
public final class IstioStatsFilter implements HttpFilter {

    private static final String CLUSTER_DOMAIN = ".svc.cluster.local";

    /** Service FQDNs by outbound cluster name (names come from config, so there are few). */
    private static final ConcurrentHashMap<String, String> CLUSTER_SERVICES = new ConcurrentHashMap<>();

    private final String name;
    private final Workload self;
    private final IstioMetrics metrics;

    public IstioStatsFilter(String name, Workload self, IstioMetrics metrics) {
        this.name = name;
        this.self = self;
        this.metrics = metrics;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void onComplete(HttpExchange exchange, long responseBytes) {
        RequestFacts facts = exchange.facts();
        Outcome outcome = exchange.outcome();
        Workload peer = exchange.filterState(MetadataExchangeFilter.PEER);
        boolean inbound = facts.inbound();
        Workload source;
        Workload destination;
        String service;
        if (inbound) {
            source = peer != null ? peer : Workload.NONE;
            destination = self;
            service = inboundService(facts.authority(), self.namespace());
        } else {
            source = self;
            destination = destination(outcome, peer);
            String cluster = exchange.decision() instanceof RouteDecision.Forward f ? f.cluster() : null;
            service = outboundService(cluster, facts.authority());
        }
        ServiceName parsed = service == null ? ServiceName.NONE : ServiceName.of(service);
        RequestLabels labels = new RequestLabels(
                inbound ? "destination" : "source",
                source,
                destination,
                service,
                parsed.name(),
                parsed.namespace(),
                outcome.responseCode(),
                outcome.flagsText(),
                inbound ? "none" : "unknown");
        metrics.record(labels, outcome.durationMs(), facts.requestHeaderBytes() + facts.bytesReceived(), responseBytes);
    }

    /** A service FQDN's name and namespace, remembered for the services a proxy sees (a bounded number of them). */
    record ServiceName(String name, String namespace) {
        static final ServiceName NONE = new ServiceName(null, null);
        private static final int MAX_REMEMBERED = 4096;
        private static final ConcurrentHashMap<String, ServiceName> KNOWN = new ConcurrentHashMap<>();

        static ServiceName of(String service) {
            ServiceName known = KNOWN.get(service);
            if (known != null) {
                return known;
            }
            ServiceName parsed;
            if (service.endsWith(CLUSTER_DOMAIN)) {
                String[] parts = service.substring(0, service.length() - CLUSTER_DOMAIN.length())
                        .split("\\.");
                parsed = new ServiceName(parts[0], parts.length > 1 ? parts[1] : null);
            } else {
                parsed = new ServiceName(service, null);
            }
            if (KNOWN.size() < MAX_REMEMBERED) {
                KNOWN.put(service, parsed);
            }
            return parsed;
        }
    }

    private static Workload destination(Outcome outcome, Workload peer) {
        if (outcome.upstream() != null) {
            Workload w = outcome.upstream().derive(IstioStatsFilter::endpointWorkload);
            if (w != null) {
                return w;
            }
        }
        return peer != null ? peer : Workload.NONE;
    }

    /** The workload an EDS endpoint's Istio metadata names, or null when it carries none. */
    private static Workload endpointWorkload(EndpointSpec e) {
        Map<String, String> m = e.metadata();
        if (m.isEmpty() && e.labels().isEmpty()) {
            return null;
        }
        return Workload.of(m.get("pod"), m.get("namespace"), e.labels(), m.get("workload"));
    }

    /** The FQDN from {@code outbound|<port>|<subset>|<fqdn>}, else the request's host. */
    static String outboundService(String cluster, String authority) {
        if (cluster != null && cluster.startsWith("outbound|")) {
            String known = CLUSTER_SERVICES.get(cluster);
            if (known == null) {
                known = cluster.substring(cluster.lastIndexOf('|') + 1);
                if (CLUSTER_SERVICES.size() < 4096) {
                    CLUSTER_SERVICES.put(cluster, known);
                }
            }
            return known;
        }
        return host(authority);
    }

    /** The request's host as a service FQDN: {@code reviews:9080} in namespace default is reviews.default.svc... */
    static String inboundService(String authority, String namespace) {
        String host = host(authority);
        if (host == null || host.isEmpty() || Character.isDigit(host.charAt(host.length() - 1))) {
            return host;
        }
        if (host.endsWith(CLUSTER_DOMAIN)) {
            return host;
        }
        if (host.endsWith(".svc")) {
            return host + ".cluster.local";
        }
        int dots = (int) host.chars().filter(c -> c == '.').count();
        return switch (dots) {
            case 0 -> host + "." + namespace + CLUSTER_DOMAIN;
            case 1 -> host + CLUSTER_DOMAIN;
            default -> host;
        };
    }

    private static String host(String authority) {
        if (authority == null) {
            return null;
        }
        int colon = authority.lastIndexOf(':');
        return colon > 0 && authority.indexOf(':') == colon ? authority.substring(0, colon) : authority;
    }
}
