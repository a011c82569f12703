package dev.meshbox.webui;

import java.util.HashMap;
import java.util.Map;

/**
 * One reading of every proxy's {@code istio_requests_total} as its source side reports it (a sidecar's outbound, the
 * gateway): each request is counted once, by the proxy it left, including those that never reached a pod (a circuit
 * breaker's overflow, an injected abort), which carry {@code destination_workload="unknown"}.
 *
 * @param nanos when it was read ({@link System#nanoTime()})
 */
public record Scrape(long nanos, Map<Series, Double> counts) {

    /** One series of one proxy; the pod is part of the key so a restarted proxy's counters are told apart. */
    public record Series(
            String pod,
            String sourceWorkload,
            String service,
            String destinationWorkload,
            String destinationVersion,
            int responseCode,
            String responseFlags) {}

    public Scrape {
        counts = Map.copyOf(counts);
    }

    /** From each pod's {@code /stats/prometheus} text, by pod name. */
    public static Scrape of(long nanos, Map<String, String> textByPod) {
        Map<Series, Double> counts = new HashMap<>();
        textByPod.forEach((pod, text) -> {
            for (PrometheusText.Sample s : PrometheusText.samples(text, "istio_requests_total")) {
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
                        s.label("response_flags"));
                counts.merge(key, s.value(), Double::sum);
            }
        });
        return new Scrape(nanos, counts);
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
