package dev.meshbox.scenarios;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

/**
 * What a scenario needs from a running mesh, whichever backend runs it: apply Istio YAML, find where to send
 * traffic, and read the proxies' access logs to see where each request went.
 */
public interface MeshAccess {

    /** One named YAML text. */
    record ConfigText(String name, String text) {}

    /** The outcome of an apply: kubectl-style change lines, or problems (then nothing was applied). */
    record ApplyOutcome(List<String> changes, List<String> problems) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    /**
     * One access-log entry of one proxy, with the pod that logged it.
     *
     * @param responseCodeDetails Envoy's {@code %RESPONSE_CODE_DETAILS%}, such as
     *     {@code rbac_access_denied_matched_policy[ns[foo]-policy[deny-get]-rule[0]]}; empty when not logged
     * @param downstreamPeerUriSan Envoy's {@code %DOWNSTREAM_PEER_URI_SAN%}: the caller's SPIFFE identity when it came
     *     over mutual TLS ({@code spiffe://cluster.local/ns/default/sa/bookinfo-productpage}); empty otherwise
     * @param namespace the pod's namespace; {@code default} when not known (a remote mesh of an older build)
     * @param upstreamHost Envoy's {@code %UPSTREAM_HOST%}: the address the proxy sent the request to (a pod, or
     *     another network's east-west gateway on 15443); empty when it sent it nowhere or did not log it
     */
    record LogEntry(
            String pod,
            Map<String, String> podLabels,
            String direction,
            String requestId,
            int responseCode,
            String responseFlags,
            String upstreamCluster,
            String routeName,
            double durationMs,
            String authority,
            String responseCodeDetails,
            String downstreamPeerUriSan,
            String namespace,
            String upstreamHost) {

        public LogEntry {
            responseCodeDetails = responseCodeDetails == null ? "" : responseCodeDetails;
            downstreamPeerUriSan = downstreamPeerUriSan == null ? "" : downstreamPeerUriSan;
            namespace = namespace == null || namespace.isEmpty() ? "default" : namespace;
            upstreamHost = upstreamHost == null ? "" : upstreamHost;
        }

        /** An entry whose upstream host is not known. */
        public LogEntry(
                String pod,
                Map<String, String> podLabels,
                String direction,
                String requestId,
                int responseCode,
                String responseFlags,
                String upstreamCluster,
                String routeName,
                double durationMs,
                String authority,
                String responseCodeDetails,
                String downstreamPeerUriSan,
                String namespace) {
            this(
                    pod,
                    podLabels,
                    direction,
                    requestId,
                    responseCode,
                    responseFlags,
                    upstreamCluster,
                    routeName,
                    durationMs,
                    authority,
                    responseCodeDetails,
                    downstreamPeerUriSan,
                    namespace,
                    "");
        }

        public LogEntry(
                String pod,
                Map<String, String> podLabels,
                String direction,
                String requestId,
                int responseCode,
                String responseFlags,
                String upstreamCluster,
                String routeName,
                double durationMs,
                String authority,
                String responseCodeDetails) {
            this(
                    pod,
                    podLabels,
                    direction,
                    requestId,
                    responseCode,
                    responseFlags,
                    upstreamCluster,
                    routeName,
                    durationMs,
                    authority,
                    responseCodeDetails,
                    "",
                    "default");
        }

        /** An entry of a pod in the {@code default} namespace. */
        public LogEntry(
                String pod,
                Map<String, String> podLabels,
                String direction,
                String requestId,
                int responseCode,
                String responseFlags,
                String upstreamCluster,
                String routeName,
                double durationMs,
                String authority,
                String responseCodeDetails,
                String downstreamPeerUriSan) {
            this(
                    pod,
                    podLabels,
                    direction,
                    requestId,
                    responseCode,
                    responseFlags,
                    upstreamCluster,
                    routeName,
                    durationMs,
                    authority,
                    responseCodeDetails,
                    downstreamPeerUriSan,
                    "default");
        }

        public LogEntry(
                String pod,
                Map<String, String> podLabels,
                String direction,
                String requestId,
                int responseCode,
                String responseFlags,
                String upstreamCluster,
                String routeName,
                double durationMs,
                String authority) {
            this(
                    pod,
                    podLabels,
                    direction,
                    requestId,
                    responseCode,
                    responseFlags,
                    upstreamCluster,
                    routeName,
                    durationMs,
                    authority,
                    "");
        }
    }

    /** Applies config and waits until every proxy has ACKed it. */
    ApplyOutcome apply(List<ConfigText> config);

    /** Deletes every applied resource except the mesh's own (the ingress Gateway). */
    void resetConfig();

    /** The ingress gateway's HTTP address. */
    InetSocketAddress ingress();

    /**
     * The outbound listener of a sidecar of {@code workload}: an app label such as {@code productpage}, a pod name, or
     * {@code APP.NAMESPACE} ({@code sleep.foo}) where the app runs in several namespaces.
     */
    InetSocketAddress outboundOf(String workload);

    /**
     * Where this JVM reaches a proxy at a port of its pod: the ingress gateway ({@code workload} {@code ingress}), a
     * gateway workload or a workload's sidecar, at {@code podPort} (a gateway server's 8443 or 31400, a sidecar's
     * outbound TCP listener on a service port). By default the address of {@link #ingress} or {@link #outboundOf} at
     * that port, as on the local backend, where every pod has an address of its own on this machine; container
     * backends answer with what they published or forwarded for that port.
     */
    default InetSocketAddress proxyPort(String workload, int podPort) {
        InetSocketAddress pod = workload.equals("ingress") ? ingress() : outboundOf(workload);
        return new InetSocketAddress(pod.getAddress(), podPort);
    }

    /**
     * Whether {@code workload} runs with a sidecar. Traffic from a workload without one (Istio's {@code legacy}
     * namespace) leaves it as the app sent it: see {@link #directTarget}.
     */
    default boolean hasSidecar(String workload) {
        return true;
    }

    /**
     * Where a workload without a sidecar connects to reach {@code host:port} ({@code httpbin.foo:8000}): a ready pod of
     * the service the host names (resolved in the workload's namespace, as cluster DNS does) at the service port's
     * target port, as kube-proxy would pick one. The connection is plaintext; the pod's sidecar, if it has one, decides
     * whether to take it.
     *
     * @throws IllegalArgumentException when no service or no ready pod answers to the host and port
     */
    default InetSocketAddress directTarget(String workload, String host, int port) {
        throw new UnsupportedOperationException(
                "this backend runs every workload with a sidecar; " + workload + " has one");
    }

    /**
     * Whether traffic "from" {@code workload} enters at a gateway rather than leaving a sidecar: a gateway deployed for
     * a Gateway API Gateway ({@code bookinfo-gateway-istio}), whose {@link #outboundOf} is its listener. A user is
     * then a login, as through the ingress.
     */
    default boolean entersAtGateway(String workload) {
        return false;
    }

    /**
     * A proxyless gRPC client workload ({@code {sleep: {grpc: {proxyless: true}}}}): where it reaches the control plane's
     * ADS server and the pod it calls from; empty for other workloads, and on backends whose pods this JVM cannot reach.
     */
    default java.util.Optional<ProxylessClient> proxylessClient(String workload) {
        return java.util.Optional.empty();
    }

    /**
     * The control plane's ADS server as proxyless gRPC clients in this JVM reach it (plaintext); empty on backends whose
     * pods this JVM cannot reach.
     */
    default java.util.Optional<InetSocketAddress> adsServer() {
        return java.util.Optional.empty();
    }

    /** A proxyless gRPC client: the control plane's ADS address, and its pod's name, namespace and IP (its node id). */
    record ProxylessClient(InetSocketAddress xdsServer, String pod, String namespace, String ip) {
        public Map<String, ?> bootstrap() {
            return ProxylessGrpcChannels.bootstrap(xdsServer, pod, namespace, ip);
        }
    }

    /**
     * POSTs {@code path} to the admin port of {@code workload}'s proxy (a Deployment such as {@code
     * helloworld-region1.zone1}, an app or a pod, optionally {@code .NAMESPACE}), as Istio's tasks {@code curl -X POST
     * localhost:15000/drain_listeners} inside the pod; returns the answer's body, throws when it is not a 200.
     */
    default String proxyAdminPost(String workload, String path) {
        throw new UnsupportedOperationException("this backend cannot POST to a proxy's admin port");
    }

    /** All access-log entries of all proxies (entries of inbound direction tell which pod served a request). */
    List<LogEntry> accessLog();

    /**
     * How a workload's proxy routes a host ({@code reviews:9080}): each route with the Istio rule it came from, its
     * match and its destinations with weights. Empty when the backend cannot say.
     */
    default java.util.Optional<String> describeRouting(String workload, String host) {
        return java.util.Optional.empty();
    }

    /** The counters of a workload's sidecar ({@code /stats}), by full name, e.g. {@code cluster.outbound|8000||...upstream_rq_total}. */
    Map<String, Long> counters(String workload);
}
