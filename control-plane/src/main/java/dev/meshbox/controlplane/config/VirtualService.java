package dev.meshbox.controlplane.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * networking.istio.io VirtualService, validated: HTTP rules, and the {@code tcp:} and {@code tls:} rules of opaque
 * TCP and TLS traffic ({@link L4Route}). Field names follow Istio's reference.
 */
public record VirtualService(
        ResourceMeta meta,
        String yaml,
        List<String> hosts,
        List<String> gateways,
        List<HttpRoute> http,
        List<String> exportTo,
        List<L4Route> tcp,
        List<L4Route> tls)
        implements IstioResource {

    public VirtualService {
        tcp = tcp == null ? List.of() : List.copyOf(tcp);
        tls = tls == null ? List.of() : List.copyOf(tls);
    }

    /** A VirtualService with HTTP rules only. */
    public VirtualService(
            ResourceMeta meta,
            String yaml,
            List<String> hosts,
            List<String> gateways,
            List<HttpRoute> http,
            List<String> exportTo) {
        this(meta, yaml, hosts, gateways, http, exportTo, List.of(), List.of());
    }

    /**
     * A {@code tcp:} rule (Istio's TCPRoute) or a {@code tls:} rule (TLSRoute): the first rule one of whose matches
     * takes the connection sends it to {@code route} (split by weight per connection). No match matches everything
     * ({@code tcp:} only: a {@code tls:} rule must have one).
     */
    public record L4Route(List<L4Match> match, List<RouteDestination> route) {}

    /**
     * Istio's L4MatchAttributes ({@code tcp:}) and TLSMatchAttributes ({@code tls:}, whose {@code sniHosts} is
     * required): the destination port, destination subnets, the client's labels and namespace, the gateways.
     */
    public record L4Match(
            Optional<Integer> port,
            List<String> destinationSubnets,
            Map<String, String> sourceLabels,
            List<String> gateways,
            List<String> sniHosts,
            Optional<String> sourceNamespace) {}

    /** The gateway name Istio uses for sidecars when {@code gateways} is empty. */
    public static final String MESH = "mesh";

    /** A VirtualService exported everywhere (no {@code exportTo}, Istio's default). */
    public VirtualService(
            ResourceMeta meta, String yaml, List<String> hosts, List<String> gateways, List<HttpRoute> http) {
        this(meta, yaml, hosts, gateways, http, List.of());
    }

    /** A VirtualService without hosts is a delegate: only a root's {@code delegate} rule uses its routes. */
    public boolean isDelegate() {
        return hosts.isEmpty();
    }

    /** Whether some rule hands its requests to a delegate: this VirtualService is a root. */
    public boolean isRoot() {
        return http.stream().anyMatch(r -> r.delegate().isPresent());
    }

    /** Gateways this VirtualService binds to; {@code [mesh]} when none is listed. */
    public List<String> effectiveGateways() {
        return gateways.isEmpty() ? List.of(MESH) : gateways;
    }

    public record HttpRoute(
            String name,
            List<HttpMatch> match,
            List<RouteDestination> route,
            Optional<Redirect> redirect,
            Optional<DirectResponse> directResponse,
            Optional<Rewrite> rewrite,
            Optional<Duration> timeout,
            Optional<Retry> retries,
            Optional<Fault> fault,
            Optional<CorsPolicy> corsPolicy,
            Optional<Destination> mirror,
            List<Mirror> mirrors,
            Optional<Double> mirrorPercentage,
            Headers headers,
            Optional<Delegate> delegate) {

        /** A rule without CORS, a mirror list or a delegate: the fields most rules and tests leave out. */
        public HttpRoute(
                String name,
                List<HttpMatch> match,
                List<RouteDestination> route,
                Optional<Redirect> redirect,
                Optional<DirectResponse> directResponse,
                Optional<Rewrite> rewrite,
                Optional<Duration> timeout,
                Optional<Retry> retries,
                Optional<Fault> fault,
                Optional<Destination> mirror,
                Optional<Double> mirrorPercentage,
                Headers headers) {
            this(
                    name,
                    match,
                    route,
                    redirect,
                    directResponse,
                    rewrite,
                    timeout,
                    retries,
                    fault,
                    Optional.empty(),
                    mirror,
                    List.of(),
                    mirrorPercentage,
                    headers,
                    Optional.empty());
        }
    }

    /**
     * {@code delegate: {name, namespace}} of a root's rule: the delegate VirtualService whose rules replace this one.
     * An empty namespace means the root's namespace, as Istio reads it.
     */
    public record Delegate(String name, String namespace) {
        /** {@code namespace/name} of the delegate, the root's namespace filling in an empty one. */
        public String key(String rootNamespace) {
            return (namespace.isEmpty() ? rootNamespace : namespace) + "/" + name;
        }
    }

    public record HttpMatch(
            String name,
            Optional<StringMatch> uri,
            Optional<StringMatch> scheme,
            Optional<StringMatch> method,
            Optional<StringMatch> authority,
            Map<String, StringMatch> headers,
            Map<String, StringMatch> withoutHeaders,
            Map<String, StringMatch> queryParams,
            Optional<Integer> port,
            Map<String, String> sourceLabels,
            List<String> gateways,
            boolean ignoreUriCase,
            Optional<String> sourceNamespace) {}

    public record Destination(String host, Optional<String> subset, Optional<Integer> port) {}

    public record RouteDestination(Destination destination, Optional<Integer> weight, Headers headers) {}

    public record HeaderOps(Map<String, String> set, Map<String, String> add, List<String> remove) {
        public static final HeaderOps NONE = new HeaderOps(Map.of(), Map.of(), List.of());

        public boolean isEmpty() {
            return set.isEmpty() && add.isEmpty() && remove.isEmpty();
        }
    }

    public record Headers(HeaderOps request, HeaderOps response) {
        public static final Headers NONE = new Headers(HeaderOps.NONE, HeaderOps.NONE);
    }

    /**
     * An HTTP redirect. {@code prefixRewrite} replaces the matched prefix where {@code uri} replaces the whole path;
     * {@code derivePort} and {@code port} exclude each other.
     */
    public record Redirect(
            Optional<String> uri,
            Optional<String> authority,
            Optional<Integer> port,
            Optional<DerivePort> derivePort,
            Optional<String> scheme,
            int redirectCode,
            Optional<String> prefixRewrite) {}

    /** Istio's {@code HTTPRedirect.derivePort}. */
    public enum DerivePort {
        /** No port in Location: the scheme's default (Envoy's behaviour without port_redirect). */
        FROM_PROTOCOL_DEFAULT,
        /** The port the request came in on (the listener's port, as Istio builds routes per port). */
        FROM_REQUEST_PORT
    }

    public record DirectResponse(int status, Optional<String> body) {}

    public record Rewrite(Optional<String> uri, Optional<String> authority, Optional<RegexRewrite> uriRegexRewrite) {}

    /** {@code rewrite.uriRegexRewrite}: an RE2 pattern and its substitution ({@code \1} names a group). */
    public record RegexRewrite(String match, String rewrite) {}

    /** One entry of {@code mirrors}: the percentage is empty when the entry leaves it to its default (100). */
    public record Mirror(Destination destination, Optional<Double> percentage) {}

    /**
     * Istio's {@code CorsPolicy}. {@code unmatchedPreflights} IGNORE answers a preflight from an origin that is not
     * allowed at the proxy; FORWARD (and UNSPECIFIED) sends it upstream.
     */
    public record CorsPolicy(
            List<StringMatch> allowOrigins,
            List<String> allowMethods,
            List<String> allowHeaders,
            List<String> exposeHeaders,
            Optional<Duration> maxAge,
            Optional<Boolean> allowCredentials,
            boolean ignoreUnmatchedPreflights) {}

    public record Retry(int attempts, Optional<Duration> perTryTimeout, Optional<String> retryOn) {}

    public record Fault(Optional<Delay> delay, Optional<Abort> abort) {}

    public record Delay(Duration fixedDelay, double percentage) {}

    /**
     * An abort with an HTTP status, or with a gRPC status code ({@code grpcStatus} 0..16, from Istio's name such as
     * {@code UNAVAILABLE}; -1 for an HTTP abort).
     */
    public record Abort(int httpStatus, double percentage, int grpcStatus) {
        public Abort(int httpStatus, double percentage) {
            this(httpStatus, percentage, -1);
        }
    }

    /** gRPC's status codes by the names Istio's {@code abort.grpcStatus} takes, in code order. */
    public static final java.util.List<String> GRPC_CODES = java.util.List.of(
            "OK",
            "CANCELLED",
            "UNKNOWN",
            "INVALID_ARGUMENT",
            "DEADLINE_EXCEEDED",
            "NOT_FOUND",
            "ALREADY_EXISTS",
            "PERMISSION_DENIED",
            "RESOURCE_EXHAUSTED",
            "FAILED_PRECONDITION",
            "ABORTED",
            "OUT_OF_RANGE",
            "UNIMPLEMENTED",
            "INTERNAL",
            "UNAVAILABLE",
            "DATA_LOSS",
            "UNAUTHENTICATED");
}
