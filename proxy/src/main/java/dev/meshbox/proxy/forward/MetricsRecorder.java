package dev.meshbox.proxy.forward;

import dev.meshbox.proxy.endpoint.EndpointSpec;
import dev.meshbox.proxy.stats.PeerMetadata;
import dev.meshbox.proxy.stats.RequestLabels;
import dev.meshbox.proxy.stats.Workload;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Istio's standard metrics for a finished request, from its log: a sidecar's inbound side reports as
 * {@code destination} (the caller known from metadata-exchange headers), everything else (a sidecar's outbound,
 * a gateway) as {@code source} (the callee known from the EDS endpoint's Istio metadata).
 */
final class MetricsRecorder {

    private static final String CLUSTER_DOMAIN = ".svc.cluster.local";

    /** Service FQDNs by outbound cluster name (names come from config, so there are few). */
    private static final ConcurrentHashMap<String, String> CLUSTER_SERVICES = new ConcurrentHashMap<>();

    private MetricsRecorder() {}

    static void record(ProxyRuntime rt, RequestLog log, long durationMs, long responseBytes) {
        PeerMetadata peer = rt.peer();
        if (peer == null) {
            return;
        }
        Workload self = peer.self();
        boolean inbound = "inbound".equals(log.direction);
        Workload source;
        Workload destination;
        String service;
        if (inbound) {
            source = log.peer != null ? log.peer : Workload.NONE;
            destination = self;
            service = inboundService(log.authority, self.namespace());
        } else {
            source = self;
            destination = destination(log);
            service = outboundService(log.upstreamCluster, log.authority);
        }
        ServiceName parsed = service == null ? ServiceName.NONE : ServiceName.of(service);
        RequestLabels labels = new RequestLabels(
                inbound ? "destination" : "source",
                source,
                destination,
                service,
                parsed.name(),
                parsed.namespace(),
                log.responseCode,
                ResponseFlags.format(log.flags),
                inbound ? "none" : "unknown");
        rt.metrics().record(labels, durationMs, log.requestHeaderBytes + log.bytesReceived, responseBytes);
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

    private static Workload destination(RequestLog log) {
        if (log.upstream != null) {
            Workload w = log.upstream.derive(MetricsRecorder::endpointWorkload);
            if (w != null) {
                return w;
            }
        }
        return log.peer != null ? log.peer : Workload.NONE;
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

    /** Approximate wire size of a header block: name, ": ", value, CRLF per header. */
    static long headerBytes(HttpHeaders headers) {
        long n = 0;
        var it = headers.iteratorCharSequence();
        while (it.hasNext()) {
            var e = it.next();
            n += e.getKey().length() + e.getValue().length() + 4;
        }
        return n;
    }
}
