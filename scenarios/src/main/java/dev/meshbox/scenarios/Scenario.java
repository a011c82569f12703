package dev.meshbox.scenarios;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A scenario: workloads, then steps each applying config, sending traffic and checking expectations.
 *
 * @param meshConfig the scenario's {@code meshConfig:} (Istio's mesh config, as {@code up --mesh-config} takes it) as
 *     YAML text; empty for Istio's defaults
 * @param tracing the scenario's {@code tracing: true}: its mesh runs Istio's Zipkin addon, sampling 100 %; {@code trace}
 *     expectations read the step's traces from it
 * @param multicluster the scenario's {@code multicluster:}, the multi-cluster model its {@code clusters} run
 *     ({@code multi-primary}, or {@code global} for Istio's older {@code .global} names); empty for the default
 */
public record Scenario(
        String name,
        String description,
        Path file,
        List<Workload> workloads,
        Optional<Long> seed,
        List<Step> steps,
        Optional<String> meshConfig,
        boolean tracing,
        List<Cluster> clusters,
        String multicluster) {

    public Scenario {
        clusters = clusters == null ? List.of() : List.copyOf(clusters);
        multicluster = multicluster == null ? "" : multicluster;
    }

    public Scenario(
            String name,
            String description,
            Path file,
            List<Workload> workloads,
            Optional<Long> seed,
            List<Step> steps,
            Optional<String> meshConfig,
            boolean tracing) {
        this(name, description, file, workloads, seed, steps, meshConfig, tracing, List.of(), "");
    }

    /** A cluster of top-level {@code clusters}: its name, network (empty: one network) and all it runs. */
    public record Cluster(String name, String network, List<Workload> workloads) {
        public Cluster {
            network = network == null ? "" : network;
            workloads = List.copyOf(workloads);
        }
    }

    public Scenario(
            String name,
            String description,
            Path file,
            List<Workload> workloads,
            Optional<Long> seed,
            List<Step> steps,
            Optional<String> meshConfig) {
        this(name, description, file, workloads, seed, steps, meshConfig, false);
    }

    public Scenario(
            String name,
            String description,
            Path file,
            List<Workload> workloads,
            Optional<Long> seed,
            List<Step> steps) {
        this(name, description, file, workloads, seed, steps, Optional.empty());
    }

    /** A workload the mesh runs: a built-in one by name, or echo stand-ins for a service. */
    public sealed interface Workload permits Builtin, Echo, Kubernetes, JavaApp, ImageApp, GatewayWorkload {

        /**
         * The workload as {@code up --workloads} or a scenario file names it, for lists a person reads:
         * {@code httpbin}, {@code echo checkout}, {@code java shop}, {@code image shop},
         * {@code kubernetes shop.yaml}.
         */
        default String displayName() {
            if (this instanceof Builtin b) {
                String where =
                        b.namespace().equals(Builtin.DEFAULT_NAMESPACE) ? b.name() : b.name() + "." + b.namespace();
                return b.proxylessGrpc() ? where + " (proxyless gRPC)" : b.sidecar() ? where : where + " (no sidecar)";
            }
            if (this instanceof Echo e) {
                return "echo " + e.service();
            }
            if (this instanceof JavaApp j) {
                return "java " + j.service();
            }
            if (this instanceof ImageApp i) {
                return "image " + i.service();
            }
            if (this instanceof GatewayWorkload g) {
                return "gateway " + g.name() + "." + g.namespace();
            }
            return "kubernetes " + ((Kubernetes) this).source();
        }
    }

    /**
     * The user's own services from Kubernetes YAML: each Deployment runs as echo stand-ins with its pod labels,
     * container port and replicas; each Service keeps its name, ports and selector.
     */
    public record Kubernetes(String source, List<KubeService> services, List<KubeDeployment> deployments)
            implements Workload {}

    /**
     * The user's own service as a JVM process: {@code java -cp CLASSPATH MAIN ARGS} or {@code java -jar JAR ARGS}, listening
     * on {@code {listen}} (also in {@code MESHBOX_LISTEN}, {@code PORT}) and calling others through {@code {proxy}}
     * (also in {@code HTTP_PROXY} and Java's http.proxyHost/http.proxyPort).
     */
    public record JavaApp(
            String service,
            String version,
            int port,
            int replicas,
            Optional<String> mainClass,
            Optional<String> classpath,
            Optional<Path> jar,
            List<String> args)
            implements Workload {}

    /**
     * The user's own container image as the app of each pod (Docker backend): it gets {@code PORT} and
     * {@code MESHBOX_LISTEN=127.0.0.1:PORT} (where to listen: its sidecar owns the pod IP) and {@code HTTP_PROXY} (its
     * sidecar's outbound listener), plus {@code env}.
     */
    public record ImageApp(
            String image, String service, String version, int port, int replicas, Map<String, String> env)
            implements Workload {}

    public record KubeService(String name, String namespace, List<KubePort> ports, Map<String, String> selector) {}

    /** A Service port; {@code appProtocol} is null when unset, and with the name selects the protocol as Istio. */
    public record KubePort(String name, int port, int targetPort, String appProtocol) {
        public KubePort(String name, int port, int targetPort) {
            this(name, port, targetPort, null);
        }
    }

    /**
     * A Deployment's pods: labels, container port, replicas, and echo behaviour from {@code meshbox.dev/*} annotations.
     *
     * @param serviceAccount the pod template's {@code serviceAccountName} ({@code default} without one)
     * @param sidecar        false where the pod template says {@code sidecar.istio.io/inject: "false"}
     * @param proxyConfig    the pod template's {@code proxy.istio.io/config} annotation as JSON (Istio's ProxyConfig
     *                       for its sidecars, e.g. {@code {"tracing":{"sampling":10}}}); empty without one
     */
    public record KubeDeployment(
            String name,
            String namespace,
            int replicas,
            Map<String, String> podLabels,
            int containerPort,
            EchoVersion behaviour,
            String serviceAccount,
            boolean sidecar,
            String proxyConfig) {

        public KubeDeployment {
            serviceAccount = serviceAccount == null || serviceAccount.isEmpty() ? "default" : serviceAccount;
            proxyConfig = proxyConfig == null ? "" : proxyConfig;
        }

        public KubeDeployment(
                String name,
                String namespace,
                int replicas,
                Map<String, String> podLabels,
                int containerPort,
                EchoVersion behaviour,
                String serviceAccount,
                boolean sidecar) {
            this(name, namespace, replicas, podLabels, containerPort, behaviour, serviceAccount, sidecar, "");
        }

        /** Pods with a sidecar, as the namespace's {@code default} service account. */
        public KubeDeployment(
                String name,
                String namespace,
                int replicas,
                Map<String, String> podLabels,
                int containerPort,
                EchoVersion behaviour) {
            this(name, namespace, replicas, podLabels, containerPort, behaviour, "default", true);
        }
    }

    /**
     * {@code bookinfo}, {@code httpbin}, {@code httpbin-v2}, {@code sleep}, {@code fortio}, {@code grpc-echo}, {@code cnn}, in a namespace, as a
     * service account, with or without a sidecar.
     *
     * @param namespace      where its pods and services live ({@code default} unless a task needs others, such as
     *                       Istio's {@code foo}, {@code bar} and {@code legacy})
     * @param serviceAccount the pods' service account, their SPIFFE identity; empty for the one Istio's sample gives
     *                       ({@code httpbin}, {@code sleep}, {@code bookinfo-productpage}, ...)
     * @param sidecar        false for a pod without one (a namespace without injection): its calls go straight to
     *                       the destination pod in plaintext, and calls to it arrive as they were sent
     * @param proxylessGrpc  a client ({@code {sleep: {grpc: {proxyless: true}}}}) whose gRPC calls are a proxyless
     *                       gRPC client's: no sidecar, an {@code xds:///} channel taking its routing from the control
     *                       plane, as Istio's {@code grpc-agent} pods
     */
    public record Builtin(
            String name,
            String namespace,
            Optional<String> serviceAccount,
            boolean sidecar,
            boolean proxylessGrpc,
            Optional<String> locality,
            List<String> localities)
            implements Workload {

        public static final String DEFAULT_NAMESPACE = "default";

        /**
         * @param locality   {@code region/zone[/subzone]} every pod of the workload runs in (the pod labels {@code
         *                   topology.kubernetes.io/region}, {@code topology.kubernetes.io/zone}, {@code
         *                   topology.istio.io/subzone})
         * @param localities helloworld only: one Deployment per locality, version {@code region.zone}, as Istio's
         *                   {@code gen-helloworld.sh --version region1.zone1} in its locality load balancing task
         */
        public Builtin {
            namespace = namespace == null || namespace.isEmpty() ? DEFAULT_NAMESPACE : namespace;
            serviceAccount = serviceAccount == null ? Optional.empty() : serviceAccount;
            locality = locality == null ? Optional.empty() : locality;
            localities = localities == null ? List.of() : List.copyOf(localities);
        }

        public Builtin(
                String name,
                String namespace,
                Optional<String> serviceAccount,
                boolean sidecar,
                boolean proxylessGrpc) {
            this(name, namespace, serviceAccount, sidecar, proxylessGrpc, Optional.empty(), List.of());
        }

        public Builtin(String name, String namespace, Optional<String> serviceAccount, boolean sidecar) {
            this(name, namespace, serviceAccount, sidecar, false);
        }

        /** The workload in {@code default}, as Istio's sample deploys it, with a sidecar. */
        public Builtin(String name) {
            this(name, DEFAULT_NAMESPACE, Optional.empty(), true);
        }
    }

    /** An echo service: each version with its replicas and behaviour (latency, error rate). */
    public record Echo(String service, int port, Map<String, EchoVersion> versions) implements Workload {}

    public record EchoVersion(int replicas, Duration latency, double errorRate, int errorStatus, int failFirst) {}

    public record Step(
            String name,
            List<MeshAccess.ConfigText> config,
            Optional<Duration> pause,
            Optional<Traffic> traffic,
            List<Expectation> expect,
            Optional<dev.meshbox.scenarios.ProxyAdmin> proxyAdmin) {

        public Step {
            proxyAdmin = proxyAdmin == null ? Optional.empty() : proxyAdmin;
        }

        public Step(
                String name,
                List<MeshAccess.ConfigText> config,
                Optional<Duration> pause,
                Optional<Traffic> traffic,
                List<Expectation> expect) {
            this(name, config, pause, traffic, expect, Optional.empty());
        }
    }

    /**
     * Requests to send. {@code from} is {@code ingress} or a workload whose sidecar sends them; {@code url} is the
     * logical URL ({@code http://reviews:9080/reviews/0}), or a path when sent through the ingress.
     */
    public record Traffic(
            String from,
            String method,
            String url,
            Map<String, String> headers,
            int count,
            int concurrency,
            double rate,
            Duration duration,
            Optional<String> host,
            int followRedirects,
            Optional<TrafficTls> tls) {
        /**
         * @param rate            requests per second in all, 0 for as fast as the connections allow
         * @param duration        when not zero, sending stops once it has passed ({@code count} is then an upper bound)
         * @param host            the Host (authority) to send, apart from the URL's: a gateway's or a VirtualService's
         *                        host such as {@code www.example.com}
         * @param followRedirects how many redirects to follow ({@code Location}), 0 to record the 3xx itself
         */
        public Traffic {
            duration = duration == null ? Duration.ZERO : duration;
            host = host == null ? Optional.empty() : host;
            tls = tls == null ? Optional.empty() : tls;
        }

        /** Plain-text (or gRPC) requests. */
        public Traffic(
                String from,
                String method,
                String url,
                Map<String, String> headers,
                int count,
                int concurrency,
                double rate,
                Duration duration,
                Optional<String> host,
                int followRedirects) {
            this(
                    from,
                    method,
                    url,
                    headers,
                    count,
                    concurrency,
                    rate,
                    duration,
                    host,
                    followRedirects,
                    Optional.empty());
        }

        public Traffic(
                String from,
                String method,
                String url,
                Map<String, String> headers,
                int count,
                int concurrency,
                double rate,
                Duration duration) {
            this(from, method, url, headers, count, concurrency, rate, duration, Optional.empty(), 0);
        }

        public Traffic(
                String from, String method, String url, Map<String, String> headers, int count, int concurrency) {
            this(from, method, url, headers, count, concurrency, 0, Duration.ZERO);
        }

        /** The same requests sent with Host {@code authority}. */
        public Traffic withHost(String authority) {
            return new Traffic(
                    from,
                    method,
                    url,
                    headers,
                    count,
                    concurrency,
                    rate,
                    duration,
                    Optional.of(authority),
                    followRedirects,
                    tls);
        }

        /** The same requests, following up to {@code hops} redirects. */
        public Traffic followingRedirects(int hops) {
            return new Traffic(from, method, url, headers, count, concurrency, rate, duration, host, hops, tls);
        }
    }

    /**
     * How {@code https://} traffic speaks TLS, as curl's options in Istio's secure ingress task: the CA to trust
     * ({@code --cacert}), an optional client certificate and key ({@code --cert}, {@code --key}), PEM read from the
     * files the scenario names, and the server name (SNI) when not the URL's host.
     */
    public record TrafficTls(
            String caCertificatesPem,
            Optional<String> clientCertificatePem,
            Optional<String> privateKeyPem,
            Optional<String> sni) {}

    /** One expectation. */
    public sealed interface Expectation
            permits VersionShare,
                    StatusShare,
                    Status,
                    ResponseFlags,
                    Latency,
                    BodyContains,
                    HeaderContains,
                    Received,
                    Counter,
                    Pods,
                    Redirect,
                    AccessLogged,
                    Trace {}

    /**
     * The step's traces as Zipkin holds them (the scenario runs with {@code tracing: true}), one per request found by
     * its {@code x-request-id} ({@code guid:x-request-id}). A trace passes when its spans go {@code through} the
     * services in that order (each a child of the one before, at any depth; {@code ingress} is the ingress gateway),
     * and when it holds {@code spans} (any number when empty) spans matching {@code span}, at least one when
     * {@code spans} is empty; {@code share} of the traced requests must pass.
     */
    public record Trace(List<String> through, Optional<SpanMatch> span, Optional<Integer> spans, double share)
            implements Expectation {}

    /**
     * Spans of {@code from}'s proxy (an app label, {@code APP.NAMESPACE}, {@code ingress} or a gateway's name) of that
     * {@code kind} ({@code CLIENT}: its outbound side or a gateway; {@code SERVER}: its inbound side; any when empty),
     * calling {@code to} (the service its upstream cluster or span name names) when given, with those tags
     * ({@code response_flags: FI}, {@code http.status_code: "500"}, {@code error: "true"}).
     */
    public record SpanMatch(String from, Optional<String> to, Optional<String> kind, Map<String, String> tags) {}

    /** Share of requests served by each version of {@code service} (from the inbound access logs). */
    public record VersionShare(String service, Map<String, Double> shares, double tolerance) implements Expectation {}

    /** Share of responses per status code, each within the tolerance. */
    public record StatusShare(Map<Integer, Double> shares, double tolerance) implements Expectation {}

    /** Bounds on how many responses (or what share) had {@code code}. */
    public record Status(
            int code,
            Optional<Integer> min,
            Optional<Integer> max,
            Optional<Double> minShare,
            Optional<Double> maxShare)
            implements Expectation {}

    /** Among responses with {@code status} (any when empty), the share whose access-log flags include {@code flag}. */
    public record ResponseFlags(Optional<Integer> status, String flag, double share) implements Expectation {}

    /** A latency percentile of the responses within bounds. */
    public record Latency(double percentile, Optional<Duration> min, Optional<Duration> max) implements Expectation {}

    /** The share of response bodies containing {@code text} (or not containing it, when {@code absent}). */
    public record BodyContains(String text, double share, double tolerance, boolean absent) implements Expectation {}

    /** The share of responses whose header {@code name} contains {@code text} (or, with empty text, is present). */
    public record HeaderContains(String name, String text, double share, double tolerance) implements Expectation {}

    /** The share of requests that reached {@code version} of {@code service}, with that authority if given (mirrors). */
    public record Received(String service, String version, Optional<String> authority, double share, double tolerance)
            implements Expectation {}

    /**
     * A proxy counter's increase during the step ({@code cluster.<name>.<stat>} on {@code workload}'s sidecar),
     * bounded, or equal to the number of responses with status {@code equalsStatus}.
     */
    public record Counter(
            String workload, String stat, Optional<Long> min, Optional<Long> max, Optional<Integer> equalsStatus)
            implements Expectation {}

    /**
     * How many pods of {@code service} served the step's requests: {@code count} exactly (1 for a consistent hash that
     * keeps every request on one pod), or between {@code min} and {@code max} (spread over at least two, say).
     */
    public record Pods(String service, Optional<Integer> count, Optional<Integer> min, Optional<Integer> max)
            implements Expectation {}

    /**
     * The share of requests whose first answer was a redirect with {@code code} ({@link #ANY} for any 3xx) and, when
     * given, that {@code Location}.
     */
    /**
     * The share of requests the proxies of workload {@code proxy} (a gateway's name too) logged with that upstream
     * cluster and response code, as their access logs show a request's way through the mesh (Istio's egress gateway
     * task reads both the sidecar's and the gateway's).
     */
    public record AccessLogged(String proxy, Optional<String> cluster, Optional<Integer> code, double share)
            implements Expectation {}

    public record Redirect(int code, Optional<String> location, double share) implements Expectation {
        public static final int ANY = 0;
    }
}
