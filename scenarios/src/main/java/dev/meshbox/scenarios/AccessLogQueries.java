package dev.meshbox.scenarios;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the proxies' access logs say about requests: which version of a service served each one, which proxy sent it,
 * which service a cluster belongs to. The scenario {@link Evaluator} and the JUnit extension both answer "which version
 * served it" from the logs; they must agree, so the rules live here once.
 */
public final class AccessLogQueries {

    /** Where traffic enters through the ingress gateway rather than a workload's sidecar. */
    public static final String INGRESS = "ingress";

    /** The version given to a request that never reached the service (refused, aborted, or routed elsewhere). */
    public static final String NOT_SERVED = "none";
    /** Istio's pod label naming the cluster a pod runs in. */
    public static final String CLUSTER_LABEL = "topology.istio.io/cluster";

    private AccessLogQueries() {}

    /**
     * The version of {@code service} that served each request, by request id: the {@code version} label of the pod
     * whose inbound entry carries the id ({@code unknown} when the pod has none). A retried request may reach two
     * pods; the one that answered below 500 served it. A mirrored copy (its authority ends in {@code -shadow}) was
     * served by no one the caller saw, so it does not count.
     */
    /**
     * The version that served result {@code r}: by its request id in {@code byId} ({@link #servedBy(String, List)}),
     * else, for a TCP connection (whose access log line has no request id), the version its answer named
     * ({@link TcpTraffic#VERSION}); {@link #NOT_SERVED} when neither says.
     */
    static String servedBy(Map<String, String> byId, TrafficDriver.Result r) {
        String v = byId.get(r.requestId());
        if (v != null) {
            return v;
        }
        return r.headers().getOrDefault(TcpTraffic.VERSION, NOT_SERVED);
    }

    public static Map<String, String> servedBy(String service, List<MeshAccess.LogEntry> log) {
        Map<String, String> byRequest = new HashMap<>();
        for (MeshAccess.LogEntry e : log) {
            if (!"inbound".equals(e.direction())
                    || !service.equals(e.podLabels().get("app"))
                    || e.authority() != null && e.authority().contains("-shadow")) {
                continue;
            }
            if (!byRequest.containsKey(e.requestId()) || e.responseCode() < 500) {
                byRequest.put(e.requestId(), e.podLabels().getOrDefault("version", "unknown"));
            }
        }
        return byRequest;
    }

    /**
     * The pod of {@code service} that served each request, by request id, under the rules of {@link #servedBy}: which
     * pods a consistent hash kept a session on, or spread requests over.
     */
    public static Map<String, String> podsServing(String service, List<MeshAccess.LogEntry> log) {
        Map<String, String> byRequest = new HashMap<>();
        for (MeshAccess.LogEntry e : log) {
            if (!"inbound".equals(e.direction())
                    || !service.equals(e.podLabels().get("app"))
                    || e.authority() != null && e.authority().contains("-shadow")) {
                continue;
            }
            if (!byRequest.containsKey(e.requestId()) || e.responseCode() < 500) {
                byRequest.put(e.requestId(), e.pod());
            }
        }
        return byRequest;
    }

    /**
     * Whether the entry was logged by a proxy of {@code workload}: {@link #INGRESS} is the ingress gateway, anything
     * else an app label ({@code productpage}), {@code APP.NAMESPACE} ({@code sleep.foo}) or a pod name; any of them
     * as {@code NAME@CLUSTER} ({@code sleep@cluster1}) when the pod is in that cluster (its
     * {@code topology.istio.io/cluster} label).
     */
    public static boolean loggedBy(String workload, MeshAccess.LogEntry e) {
        int at = workload.lastIndexOf('@');
        if (at > 0) {
            return workload.substring(at + 1).equals(e.podLabels().get(CLUSTER_LABEL))
                    && loggedBy(workload.substring(0, at), e);
        }
        if (workload.equals(INGRESS)) {
            return "ingressgateway".equals(e.podLabels().get("istio"));
        }
        String app = e.podLabels().get("app");
        return workload.equals(app)
                || workload.equals(e.pod())
                || app != null && workload.equals(app + "." + e.namespace());
    }

    /**
     * Whether the entry was written by the proxy the traffic entered through (the caller's sidecar or the gateway), as
     * it sent the request on: there the response flags say which mechanism answered the caller.
     */
    public static boolean atSource(String from, MeshAccess.LogEntry e) {
        return "outbound".equals(e.direction()) && loggedBy(from, e);
    }

    /**
     * The service of an Istio outbound cluster name: {@code reviews} for
     * {@code outbound|9080|v1|reviews.default.svc.cluster.local}; empty for any other cluster.
     */
    public static String serviceOf(String cluster) {
        String[] parts = cluster == null ? new String[0] : cluster.split("\\|");
        if (parts.length != 4 || !parts[0].equals("outbound")) {
            return "";
        }
        int dot = parts[3].indexOf('.');
        return dot < 0 ? parts[3] : parts[3].substring(0, dot);
    }

    private static final String RBAC_DENIED = "rbac_access_denied_matched_policy[";
    private static final String JWT_DENIED = "jwt_authn_access_denied{";

    /**
     * Which authorization decided the refusals among the requests {@code requestIds}: per proxy that refused, per
     * deciding policy rule ({@code ns[foo]-policy[deny-get]-rule[0]}, or "no ALLOW policy matched" for Istio's default
     * deny, or the JWT check of a RequestAuthentication) and per caller identity, with counts; empty when no proxy
     * refused any of them. Each line is {@link #denial}'s.
     */
    public static Map<String, Integer> authorizationDenials(
            java.util.Set<String> requestIds, List<MeshAccess.LogEntry> log) {
        Map<String, Integer> out = new java.util.TreeMap<>();
        for (MeshAccess.LogEntry e : log) {
            if (requestIds.contains(e.requestId())) {
                denial(e).ifPresent(d -> out.merge(d, 1, Integer::sum));
            }
        }
        return out;
    }

    /**
     * Why the proxy that logged {@code e} refused the request itself, when it did, from Envoy's response code details:
     * {@code RBAC: access denied at reviews's sidecar: denied by ns[default]-policy[deny-post]-rule[0] (caller
     * spiffe://cluster.local/ns/default/sa/bookinfo-productpage)}, {@code ...: no ALLOW policy matched (default deny)
     * (...)}, {@code JWT refused at httpbin's sidecar (RequestAuthentication): Jwt verification fails}, or a refusal
     * by a CUSTOM policy's external authorizer. A sidecar's line names the caller's mutual TLS identity, or says it had
     * none, since principals and namespaces in a policy match only that identity. The scenario report, the JUnit assertion messages and the web UI all explain refusals
     * with this one rule.
     */
    public static java.util.Optional<String> denial(MeshAccess.LogEntry e) {
        String details = e.responseCodeDetails();
        String why;
        if (details.startsWith(RBAC_DENIED) && details.endsWith("]")) {
            String policy = details.substring(RBAC_DENIED.length(), details.length() - 1);
            why = "RBAC: access denied at " + proxyName(e) + ": "
                    + (policy.equals("none") ? "no ALLOW policy matched (default deny)" : "denied by " + policy);
        } else if (details.startsWith(JWT_DENIED) && details.endsWith("}")) {
            String status =
                    details.substring(JWT_DENIED.length(), details.length() - 1).replace('_', ' ');
            why = "JWT refused at " + proxyName(e) + " (RequestAuthentication): " + status;
        } else if (details.equals("ext_authz_denied") || details.equals("ext_authz_error")) {
            why = "refused at " + proxyName(e) + " by the CUSTOM AuthorizationPolicy's external authorizer"
                    + (details.equals("ext_authz_error") ? ", which could not be asked (ext_authz_error)" : "");
        } else {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(why + caller(e));
    }

    private static String proxyName(MeshAccess.LogEntry e) {
        String gatewayName = e.podLabels().get("gateway.networking.k8s.io/gateway-name");
        return "ingressgateway".equals(e.podLabels().get("istio"))
                ? "the ingress gateway"
                : gatewayName != null
                        ? "gateway " + gatewayName
                        : e.podLabels().getOrDefault("app", e.pod()) + "'s sidecar";
    }

    private static boolean isGateway(MeshAccess.LogEntry e) {
        return "ingressgateway".equals(e.podLabels().get("istio"))
                || e.podLabels().containsKey("gateway.networking.k8s.io/gateway-name");
    }

    /** A gateway's callers come from outside the mesh, with no identity to name. */
    private static String caller(MeshAccess.LogEntry e) {
        if (!e.downstreamPeerUriSan().isEmpty()) {
            return " (caller " + e.downstreamPeerUriSan() + ")";
        }
        return isGateway(e) ? "" : " (caller without a mutual TLS identity: plaintext)";
    }
}
