package dev.meshbox.webui;

import java.util.HashMap;
import java.util.Map;

/**
 * One reading of every proxy's {@code istio_requests_total} as its source side reports it (a sidecar's outbound, the
 * gateway): each request is counted once, by the proxy it left, including those that never reached a pod (a circuit
 * breaker's overflow, an injected abort), which carry {@code destination_workload="unknown"}.
 *
 * <p>
 * The destination side's reports ({@code reporter="destination"}) are read only for how the connection was secured,
 * {@code connection_security_policy}: the server's sidecar is the one that knows whether the call came over mutual TLS,
 * as Kiali reads it for the lock on its edges.
 *
 * @param nanos   when it was read ({@link System#nanoTime()})
 * @param secured the destination side's counts by link and whether it was mutual TLS
 * @param tunnels connections a gateway passed through by SNI (an east-west gateway's AUTO_PASSTHROUGH on 15443), by
 *     gateway pod and the service its SNI named, from its {@code envoy_cluster_upstream_cx_total}
 */
public record Scrape(long nanos, Map<Series, Double> counts, Map<Link, Double> secured, Map<Tunnel, Double> tunnels) {

    /**
     * Connections a gateway pod passed through to a service by SNI: its cluster {@code outbound_.PORT_.SUBSET_.HOST}
     * (Istio's DNS-SRV style name, which only SNI passthrough uses), the service as {@code NAME.NAMESPACE}.
     */
    public record Tunnel(String pod, String service) {}

    /**
     * One destination-side series as far as security goes: who called which service, served by which workload, and
     * whether over mutual TLS ({@code connection_security_policy="mutual_tls"}) or not ({@code none}).
     */
    public record Link(
            String pod,
            String sourceWorkload,
            String service,
            String destinationWorkload,
            boolean mutualTls,
            String sourceCluster,
            String destinationCluster) {}

    /**
     * One series of one proxy; the pod is part of the key so a restarted proxy's counters are told apart.
     * {@code sourceCluster} and {@code destinationCluster} are Istio's {@code source_cluster} and
     * {@code destination_cluster} labels ({@code Kubernetes} on a one-cluster mesh, {@code unknown} when not known).
     */
    public record Series(
            String pod,
            String sourceWorkload,
            String service,
            String destinationWorkload,
            String destinationVersion,
            int responseCode,
            String responseFlags,
            String sourceCluster,
            String destinationCluster) {}

    public Scrape {
        counts = Map.copyOf(counts);
        secured = Map.copyOf(secured);
        tunnels = Map.copyOf(tunnels);
    }

    public Scrape(long nanos, Map<Series, Double> counts, Map<Link, Double> secured) {
        this(nanos, counts, secured, Map.of());
    }

    public Scrape(long nanos, Map<Series, Double> counts) {
        this(nanos, counts, Map.of());
    }

    /** From each pod's {@code /stats/prometheus} text, by pod name. */
    public static Scrape of(long nanos, Map<String, String> textByPod) {
        Map<Series, Double> counts = new HashMap<>();
        Map<Link, Double> secured = new HashMap<>();
        Map<Tunnel, Double> tunnels = new HashMap<>();
        textByPod.forEach((pod, text) -> {
            for (PrometheusText.Sample s : PrometheusText.samples(text, "envoy_cluster_upstream_cx_total")) {
                String service = passedThrough(s.label("cluster_name"));
                if (service != null) {
                    tunnels.merge(new Tunnel(pod, service), s.value(), Double::sum);
                }
            }
            for (PrometheusText.Sample s : PrometheusText.samples(text, "istio_requests_total")) {
                if ("destination".equals(s.label("reporter"))) {
                    String policy = s.label("connection_security_policy");
                    if ("mutual_tls".equals(policy) || "none".equals(policy)) {
                        Link link = new Link(
                                pod,
                                s.label("source_workload"),
                                service(s),
                                s.label("destination_workload"),
                                "mutual_tls".equals(policy),
                                s.label("source_cluster"),
                                s.label("destination_cluster"));
                        secured.merge(link, s.value(), Double::sum);
                    }
                    continue;
                }
                if (!"source".equals(s.label("reporter"))) {
                    continue;
                }
                int code;
                try {
                    code = Integer.parseInt(s.label("response_code"));
                } catch (NumberFormatException e) {
                    code = 0;
                }
                Series key = new Series(
                        pod,
                        s.label("source_workload"),
                        service(s),
                        s.label("destination_workload"),
                        s.label("destination_version"),
                        code,
                        s.label("response_flags"),
                        s.label("source_cluster"),
                        s.label("destination_cluster"));
                counts.merge(key, s.value(), Double::sum);
            }
        });
        return new Scrape(nanos, counts, secured, tunnels);
    }

    /**
     * {@code reviews.default} from {@code outbound_.9080_._.reviews.default.svc.cluster.local} (or a {@code .global}
     * host), else null: only SNI passthrough clusters are named so.
     */
    static String passedThrough(String cluster) {
        if (!cluster.startsWith("outbound_.")) {
            return null;
        }
        String[] parts = cluster.split("_\\.", 4);
        if (parts.length != 4) {
            return null;
        }
        String[] host = parts[3].split("\\.");
        return host.length >= 2 ? host[0] + "." + host[1] : null;
    }

    /** {@code reviews.default}, from the service name and namespace labels, else the host the caller asked for. */
    private static String service(PrometheusText.Sample s) {
        String name = s.label("destination_service_name");
        String ns = s.label("destination_service_namespace");
        if (!"unknown".equals(name)) {
            return "unknown".equals(ns) ? name : name + "." + ns;
        }
        return s.label("destination_service");
    }
}
