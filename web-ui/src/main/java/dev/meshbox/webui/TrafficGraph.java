package dev.meshbox.webui;

import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The topology as Kiali's versioned-app graph draws it: callers point at services, services at the versions that
 * served them. Edges carry the request rate, the 5xx share and the response flags over the window between two
 * scrapes, and a service's edges to its versions carry the split. A pure function of the pods, services and scrapes.
 */
public final class TrafficGraph {

    /**
     * A node: {@code kind} is service, workload, gateway or unknown (something the registry does not know).
     * {@code locality} ({@code region/zone[/subzone]}, from the pod labels {@code topology.kubernetes.io/region},
     * {@code topology.kubernetes.io/zone}, {@code topology.istio.io/subzone}), {@code cluster}
     * ({@code topology.istio.io/cluster}) and {@code network} ({@code topology.istio.io/network}) are a workload's,
     * empty when its pods carry none. On a multi-cluster mesh a workload is one node per cluster, its id
     * {@code wl:NAME@CLUSTER}; a service is one node for all clusters, as one name serves from every cluster.
     */
    public record Node(
            String id,
            String kind,
            String label,
            String app,
            String version,
            String namespace,
            int pods,
            String locality,
            String cluster,
            String network) {

        public Node(String id, String kind, String label, String app, String version, String namespace, int pods) {
            this(id, kind, label, app, version, namespace, pods, "", "", "");
        }
    }

    /** {@code region/zone/subzone} of a pod's labels without empty trailing parts; empty for none. */
    static String locality(Map<String, String> labels) {
        String out = String.join(
                        "/",
                        labels.getOrDefault(dev.meshbox.controlplane.registry.Topology.REGION, ""),
                        labels.getOrDefault(dev.meshbox.controlplane.registry.Topology.ZONE, ""),
                        labels.getOrDefault(dev.meshbox.controlplane.registry.Topology.SUBZONE, ""))
                .replaceAll("/+$", "");
        return out;
    }

    /**
     * An edge. {@code kind} is request (caller to service), route (service to the version that served it) or
     * passthrough (a gateway to the service whose connections it passed through by SNI, counted in connections).
     *
     * @param rps        requests per second over the window
     * @param requests   requests in the window
     * @param errorShare share of 5xx among them
     * @param share      for a route edge, its share of the service's requests in the window (the split)
     * @param total      requests since the proxies started
     * @param health     idle (nothing in the window), ok, degraded (some 5xx) or failing (10 % 5xx or more, or any
     *                   circuit-breaker overflow, flag UO)
     * @param security   how the destination's sidecar saw the calls secured, as Kiali's lock: {@code mutual_tls} (all
     *                   of them), {@code partial} (some), {@code none} (plaintext), or {@code unknown} when no
     *                   destination sidecar reported them (a pod without a sidecar, or a call that never arrived)
     * @param mtlsShare  the share of the destination-reported calls that came over mutual TLS
     * @param fromClusters on a multi-cluster mesh, the requests since start by the caller's cluster
     *                   ({@code source_cluster}); empty on one cluster
     * @param crossCluster of them, the requests since start that crossed clusters ({@code source_cluster} other than
     *                   {@code destination_cluster}): on a route edge, served by a pod of another cluster
     */
    public record Edge(
            String id,
            String source,
            String target,
            String kind,
            double rps,
            long requests,
            double errorShare,
            double share,
            long total,
            Map<String, Long> codes,
            Map<String, Long> flags,
            String health,
            String security,
            double mtlsShare,
            Map<String, Long> fromClusters,
            long crossCluster) {}

    public record Graph(List<Node> nodes, List<Edge> edges, double windowSeconds) {}

    static final double FAILING_ERROR_SHARE = 0.10;

    /**
     * Flags of a reply the source proxy made itself, without reaching a pod (overflow, fault abort, no route, no
     * cluster, no healthy host): such a request was not served by any version, so it stays off the route edges.
     */
    static final Set<String> LOCAL_REPLY = Set.of("UO", "FI", "NR", "NC", "UH");

    private TrafficGraph() {}

    /**
     * @param earlier the older scrape of the window, or null when there is only one yet (rates are then 0)
     */
    public static Graph build(List<Pod> pods, List<MeshService> services, Scrape earlier, Scrape later) {
        Map<String, Node> nodes = new LinkedHashMap<>();
        Map<String, Stats> edges = new LinkedHashMap<>();
        for (MeshService s : services) {
            nodes.put(
                    serviceId(s.name() + "." + s.namespace()),
                    new Node(
                            serviceId(s.name() + "." + s.namespace()),
                            "service",
                            s.name(),
                            s.name(),
                            "",
                            s.namespace(),
                            0));
        }
        Set<String> clusters = new java.util.HashSet<>();
        pods.forEach(p -> {
            String c = p.labels().getOrDefault(dev.meshbox.controlplane.registry.Topology.CLUSTER, "");
            if (!c.isEmpty()) {
                clusters.add(c);
            }
        });
        Ids ids = new Ids(clusters);
        Map<String, Integer> podCounts = new TreeMap<>();
        pods.forEach(p -> podCounts.merge(ids.pod(p), 1, Integer::sum));
        for (Pod p : pods) {
            String id = ids.pod(p);
            String kind = p.role() == Pod.ProxyKind.GATEWAY ? "gateway" : "workload";
            nodes.putIfAbsent(
                    id,
                    new Node(
                            id,
                            kind,
                            p.workload(),
                            p.app(),
                            p.labels().getOrDefault("version", ""),
                            p.namespace(),
                            podCounts.get(id),
                            locality(p.labels()),
                            p.labels().getOrDefault(dev.meshbox.controlplane.registry.Topology.CLUSTER, ""),
                            p.labels().getOrDefault(dev.meshbox.controlplane.registry.Topology.NETWORK, "")));
            for (MeshService s : services) {
                if (s.selects(p.labels()) && s.namespace().equals(p.namespace())) {
                    edge(edges, serviceId(s.name() + "." + s.namespace()), id, "route");
                }
            }
        }
        double seconds = earlier == null ? 0 : (later.nanos() - earlier.nanos()) / 1e9;
        later.counts().forEach((series, count) -> {
            double before = earlier == null ? count : earlier.counts().getOrDefault(series, 0.0);
            // A counter lower than before means the proxy restarted: everything it counted since is new.
            long delta = (long) Math.round(count >= before ? count - before : count);
            String source = ids.workload(series.sourceWorkload(), series.sourceCluster());
            String service = serviceId(series.service());
            nodes.putIfAbsent(source, new Node(source, "unknown", series.sourceWorkload(), "", "", "", 0));
            nodes.putIfAbsent(service, new Node(service, "unknown", series.service(), "", "", "", 0));
            boolean crossed = ids.crossed(series.sourceCluster(), series.destinationCluster());
            edge(edges, source, service, "request")
                    .add(series, count.longValue(), delta)
                    .from(ids.known(series.sourceCluster()), crossed, count.longValue());
            boolean reachedPod = java.util.Arrays.stream(series.responseFlags().split(","))
                    .map(String::trim)
                    .noneMatch(LOCAL_REPLY::contains);
            if (!"unknown".equals(series.destinationWorkload()) && reachedPod) {
                String destination = ids.workload(series.destinationWorkload(), series.destinationCluster());
                nodes.putIfAbsent(
                        destination,
                        new Node(
                                destination,
                                "unknown",
                                series.destinationWorkload(),
                                "",
                                series.destinationVersion(),
                                "",
                                0));
                edge(edges, service, destination, "route")
                        .add(series, count.longValue(), delta)
                        .from(ids.known(series.sourceCluster()), crossed, count.longValue());
            }
        });
        later.secured().forEach((link, count) -> {
            double before = earlier == null ? count : earlier.secured().getOrDefault(link, 0.0);
            long delta = (long) Math.round(count >= before ? count - before : count);
            String service = serviceId(link.service());
            Stats calls = edges.get(ids.workload(link.sourceWorkload(), link.sourceCluster()) + "->" + service);
            if (calls != null) {
                calls.secure(link.mutualTls(), count.longValue(), delta);
            }
            Stats served =
                    edges.get(service + "->" + ids.workload(link.destinationWorkload(), link.destinationCluster()));
            if (served != null) {
                served.secure(link.mutualTls(), count.longValue(), delta);
            }
        });
        // A gateway that passes connections through by SNI (the east-west gateway) to the service its SNI named.
        Map<String, Pod> byName = new java.util.HashMap<>();
        pods.forEach(p -> byName.put(p.name(), p));
        later.tunnels().forEach((tunnel, count) -> {
            Pod gateway = byName.get(tunnel.pod());
            if (gateway == null) {
                return;
            }
            double before = earlier == null ? count : earlier.tunnels().getOrDefault(tunnel, 0.0);
            long delta = (long) Math.round(count >= before ? count - before : count);
            String service = serviceId(tunnel.service());
            nodes.putIfAbsent(service, new Node(service, "unknown", tunnel.service(), "", "", "", 0));
            edge(edges, ids.pod(gateway), service, "passthrough").connections(count.longValue(), delta);
        });
        Map<String, Long> servedByService = new TreeMap<>();
        edges.values().stream()
                .filter(e -> e.kind.equals("route"))
                .forEach(e -> servedByService.merge(e.source, e.requests, Long::sum));
        List<Edge> out = new ArrayList<>();
        for (Stats e : edges.values()) {
            long served = servedByService.getOrDefault(e.source, 0L);
            double share = e.kind.equals("route") && served > 0 ? (double) e.requests / served : 0;
            out.add(e.toEdge(seconds, share));
        }
        return new Graph(List.copyOf(nodes.values()), out, seconds);
    }

    static String serviceId(String service) {
        return "svc:" + service;
    }

    static String workloadId(String workload) {
        return "wl:" + workload;
    }

    /**
     * Workload ids: {@code wl:NAME} on one cluster, {@code wl:NAME@CLUSTER} for a cluster the pods' labels name (the
     * same Deployment runs in several clusters), as telemetry's {@code source_cluster}/{@code destination_cluster}
     * name them.
     */
    private record Ids(Set<String> clusters) {
        String pod(Pod p) {
            return workload(
                    p.workload(), p.labels().getOrDefault(dev.meshbox.controlplane.registry.Topology.CLUSTER, ""));
        }

        String workload(String workload, String cluster) {
            return clusters.contains(cluster) ? workloadId(workload + "@" + cluster) : workloadId(workload);
        }

        /** The cluster when the pods name it; empty otherwise (one cluster: {@code Kubernetes}, or unknown). */
        String known(String cluster) {
            return clusters.contains(cluster) ? cluster : "";
        }

        boolean crossed(String source, String destination) {
            return clusters.contains(source) && clusters.contains(destination) && !source.equals(destination);
        }
    }

    private static Stats edge(Map<String, Stats> edges, String source, String target, String kind) {
        return edges.computeIfAbsent(source + "->" + target, id -> new Stats(id, source, target, kind));
    }

    /** The counts of one edge while they are being summed. */
    private static final class Stats {
        final String id;
        final String source;
        final String target;
        final String kind;
        long total;
        long requests;
        long errors;
        final Map<String, Long> codes = new TreeMap<>();
        final Map<String, Long> flags = new TreeMap<>();
        final Map<String, Long> fromClusters = new TreeMap<>();
        long crossCluster;
        /** Destination-reported calls, over mutual TLS and not: since start, and in the window. */
        long mtlsTotal;

        long plainTotal;
        long mtlsWindow;
        long plainWindow;

        Stats(String id, String source, String target, String kind) {
            this.id = id;
            this.source = source;
            this.target = target;
            this.kind = kind;
        }

        Stats add(Scrape.Series s, long count, long delta) {
            total += count;
            if (delta <= 0) {
                return this;
            }
            requests += delta;
            if (s.responseCode() >= 500) {
                errors += delta;
            }
            codes.merge(Integer.toString(s.responseCode()), delta, Long::sum);
            for (String flag : s.responseFlags().split(",")) {
                if (!flag.isBlank() && !flag.equals("-")) {
                    flags.merge(flag.trim(), delta, Long::sum);
                }
            }
            return this;
        }

        /** Connections a gateway passed through: counted as requests, none of them an error. */
        Stats connections(long count, long delta) {
            total += count;
            requests += Math.max(0, delta);
            return this;
        }

        /** Since start: the caller's cluster, when the pods name one, and whether the call crossed clusters. */
        Stats from(String cluster, boolean crossed, long count) {
            if (!cluster.isEmpty()) {
                fromClusters.merge(cluster, count, Long::sum);
            }
            if (crossed) {
                crossCluster += count;
            }
            return this;
        }

        void secure(boolean mutualTls, long count, long delta) {
            if (mutualTls) {
                mtlsTotal += count;
                mtlsWindow += Math.max(0, delta);
            } else {
                plainTotal += count;
                plainWindow += Math.max(0, delta);
            }
        }

        /** From the window's calls when there were any, else from all since start: an idle edge keeps its lock. */
        String security() {
            long mtls = mtlsWindow + plainWindow > 0 ? mtlsWindow : mtlsTotal;
            long plain = mtlsWindow + plainWindow > 0 ? plainWindow : plainTotal;
            if (mtls + plain == 0) {
                return "unknown";
            }
            return plain == 0 ? "mutual_tls" : mtls == 0 ? "none" : "partial";
        }

        double mtlsShare() {
            long mtls = mtlsWindow + plainWindow > 0 ? mtlsWindow : mtlsTotal;
            long plain = mtlsWindow + plainWindow > 0 ? plainWindow : plainTotal;
            return mtls + plain == 0 ? 0 : (double) mtls / (mtls + plain);
        }

        Edge toEdge(double seconds, double share) {
            double errorShare = requests == 0 ? 0 : (double) errors / requests;
            String health = requests == 0
                    ? "idle"
                    : errorShare >= FAILING_ERROR_SHARE || flags.containsKey("UO")
                            ? "failing"
                            : errors > 0 ? "degraded" : "ok";
            return new Edge(
                    id,
                    source,
                    target,
                    kind,
                    seconds > 0 ? requests / seconds : 0,
                    requests,
                    errorShare,
                    share,
                    total,
                    java.util.Collections.unmodifiableMap(new TreeMap<>(codes)),
                    java.util.Collections.unmodifiableMap(new TreeMap<>(flags)),
                    health,
                    security(),
                    mtlsShare(),
                    java.util.Collections.unmodifiableMap(new TreeMap<>(fromClusters)),
                    crossCluster);
        }
    }
}
