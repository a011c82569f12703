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

/**
 * {@code istio.stats}: Istio's standard metrics for every finished request. A sidecar's inbound side reports as
 * {@code destination} (the caller known from the metadata exchange), everything else (a sidecar's outbound, a
 * gateway) as {@code source} (the callee known from the EDS endpoint's Istio metadata, else from the exchange).
 */
public final class IstioStatsFilter implements HttpFilter {

    private final String name;
    private final Workload self;
    private final IstioMetrics metrics;
    private final ServiceNames services;

    public IstioStatsFilter(String name, Workload self, IstioMetrics metrics, ServiceNames services) {
        this.name = name;
        this.self = self;
        this.metrics = metrics;
        this.services = services;
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
            service = services.inbound(facts.authority(), self.namespace());
        } else {
            source = self;
            destination = destination(outcome, peer);
            String cluster = exchange.decision() instanceof RouteDecision.Forward f ? f.cluster() : null;
            service = services.outbound(cluster, facts.authority());
        }
        ServiceNames.Name parsed = services.parse(service);
        String special = inbound ? null : specialCluster(exchange);
        if (special != null) {
            // As Istio's stats: traffic to no known service is labelled by the cluster that took it.
            parsed = new ServiceNames.Name(special, null);
        }
        RequestLabels labels = new RequestLabels(
                inbound ? "destination" : "source",
                source,
                destination,
                service,
                parsed.name(),
                parsed.namespace(),
                outcome.responseCode(),
                outcome.flagsText(),
                inbound ? facts.connection().securityPolicy() : "unknown",
                inbound ? facts.connection().peerPrincipal() : null,
                inbound ? facts.connection().localPrincipal() : null);
        metrics.record(labels, outcome.durationMs(), facts.requestHeaderBytes() + facts.bytesReceived(), responseBytes);
    }

    /**
     * {@code PassthroughCluster} or {@code BlackHoleCluster} when the request went to an unknown destination: forwarded
     * to one of those clusters, or refused by REGISTRY_ONLY's {@code block_all} route.
     */
    private static String specialCluster(HttpExchange exchange) {
        if (exchange.decision() instanceof RouteDecision.Forward f
                && (f.cluster().equals(PASSTHROUGH) || f.cluster().equals(BLACKHOLE))) {
            return f.cluster();
        }
        if (exchange.decision() instanceof RouteDecision.DirectResponse d
                && d.route() != null
                && "block_all".equals(d.route().name())) {
            return BLACKHOLE;
        }
        return null;
    }

    private static final String PASSTHROUGH = "PassthroughCluster";
    private static final String BLACKHOLE = "BlackHoleCluster";

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
}
