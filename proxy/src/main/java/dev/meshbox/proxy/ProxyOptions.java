package dev.meshbox.proxy;

import com.google.common.base.Ticker;
import dev.meshbox.proxy.stats.Workload;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;

/**
 * How to start one proxy.
 *
 * @param nodeId          e.g. {@code sidecar~127.10.0.3~reviews-v1-abc.default~default.svc.cluster.local}
 * @param nodeCluster     e.g. {@code reviews.default}
 * @param bindAddress     the pod IP: listeners declared at 0.0.0.0 bind here, and so do admin and health
 * @param xdsServer       the ADS server, e.g. 127.0.0.1:15010
 * @param adminPort       15000 (0 picks a free port)
 * @param randomSeed      seeds every random choice (weighted clusters, balancing, request ids, faults); null
 *                        draws a seed
 * @param clock           wall clock for timestamps (access log, Date header, config dump)
 * @param sharedEventLoop when non-null, used and never shut down; see {@link ProxyEventLoops#create}
 * @param healthPort      15021 (0 picks a free port)
 * @param ticker          monotonic time for durations, timeouts of outlier ejection
 * @param prometheusPort  15090 (0 picks a free port), serving {@code /stats/prometheus}
 * @param seedOrigin      {@link SeedOrigin#EXPLICIT} makes every per-request random decision a function of
 *                        (seed, x-request-id, decision), for replay; {@link SeedOrigin#DRAWN} (the default) keeps
 *                        decisions random in arrival order, as Envoy's are
 * @param wildcard        which ports bind the wildcard address instead of the pod IP; see {@link Wildcard}
 * @param proxyConfig     Istio's {@code ProxyConfig} for this proxy as its bootstrap carries it (the pod's
 *                        {@code proxy.istio.io/config} annotation, baked in by the injector), sent to the control
 *                        plane as node metadata {@code PROXY_CONFIG}; empty when none
 */
public record ProxyOptions(
        String nodeId,
        String nodeCluster,
        Map<String, String> labels,
        String namespace,
        String podName,
        ProxyRole role,
        InetAddress bindAddress,
        InetSocketAddress xdsServer,
        int adminPort,
        Long randomSeed,
        Clock clock,
        EventLoopGroup sharedEventLoop,
        int healthPort,
        Ticker ticker,
        int prometheusPort,
        SeedOrigin seedOrigin,
        Wildcard wildcard,
        com.google.protobuf.Struct proxyConfig) {

    public static final int DEFAULT_HEALTH_PORT = 15021;
    public static final int DEFAULT_PROMETHEUS_PORT = 15090;

    /** Whether {@link #randomSeed()} was chosen by the user (replay) or drawn by whoever started the proxy. */
    public enum SeedOrigin {
        EXPLICIT,
        DRAWN
    }

    /**
     * Which ports bind 0.0.0.0 rather than the pod IP. Where pods share one network namespace (the local backend)
     * nothing may; in a pod of its own, Istio's reserved ports 15000-15099 (admin, outbound, inbound, health,
     * Prometheus) may, so that {@code kubectl port-forward}, which connects to the pod's localhost, reaches them; the
     * service ports stay on the pod IP because the app listens on localhost there. A gateway has no app: all may.
     */
    public enum Wildcard {
        NONE,
        RESERVED,
        ALL;

        boolean covers(int port) {
            return this == ALL || this == RESERVED && port >= 15000 && port <= 15099;
        }
    }

    public ProxyOptions {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(xdsServer, "xdsServer");
        nodeCluster = nodeCluster == null ? "" : nodeCluster;
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        namespace = namespace == null ? "default" : namespace;
        podName = podName == null ? "" : podName;
        role = role == null ? (nodeId.startsWith("router~") ? ProxyRole.GATEWAY : ProxyRole.SIDECAR) : role;
        clock = clock == null ? Clock.systemUTC() : clock;
        ticker = ticker == null ? Ticker.systemTicker() : ticker;
        seedOrigin = seedOrigin == null || randomSeed == null ? SeedOrigin.DRAWN : seedOrigin;
        wildcard = wildcard == null ? Wildcard.NONE : wildcard;
        proxyConfig = proxyConfig == null ? com.google.protobuf.Struct.getDefaultInstance() : proxyConfig;
    }

    /** Where a listener on {@code port} binds: the pod IP, or 0.0.0.0 where {@link #wildcard()} covers the port. */
    public InetAddress bindAddressFor(int port) {
        return wildcard.covers(port) ? anyAddress() : bindAddress;
    }

    /** Where the admin, health and Prometheus servers bind (Istio's reserved ports, whatever numbers they have here). */
    public InetAddress serverBindAddress() {
        return wildcard == Wildcard.NONE ? bindAddress : anyAddress();
    }

    private static InetAddress anyAddress() {
        try {
            return InetAddress.getByAddress(new byte[4]);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Options for the proxy {@code nodeId} on {@code bindAddress}, fed by the ADS server {@code xdsServer}. */
    public static Builder builder(String nodeId, InetAddress bindAddress, InetSocketAddress xdsServer) {
        return new Builder(nodeId, bindAddress, xdsServer);
    }

    public Builder toBuilder() {
        Builder b = new Builder(nodeId, bindAddress, xdsServer)
                .nodeCluster(nodeCluster)
                .labels(labels)
                .namespace(namespace)
                .podName(podName)
                .role(role)
                .adminPort(adminPort)
                .clock(clock)
                .sharedEventLoop(sharedEventLoop)
                .healthPort(healthPort)
                .ticker(ticker)
                .prometheusPort(prometheusPort)
                .wildcard(wildcard)
                .proxyConfig(proxyConfig);
        b.randomSeed = randomSeed;
        b.seedOrigin = seedOrigin;
        return b;
    }

    public ProxyOptions withWildcard(Wildcard ports) {
        return toBuilder().wildcard(ports).build();
    }

    /** Sets the seed and marks it explicit: per-request decisions become replayable by x-request-id. */
    public ProxyOptions withExplicitSeed(long seed) {
        return toBuilder().explicitSeed(seed).build();
    }

    /** Options field by field; what is not set takes the defaults the record's constructor gives. */
    public static final class Builder {
        private final String nodeId;
        private final InetAddress bindAddress;
        private final InetSocketAddress xdsServer;
        private String nodeCluster;
        private Map<String, String> labels;
        private String namespace;
        private String podName;
        private ProxyRole role;
        private int adminPort = 15000;
        private Long randomSeed;
        private SeedOrigin seedOrigin;
        private Clock clock;
        private EventLoopGroup sharedEventLoop;
        private int healthPort = DEFAULT_HEALTH_PORT;
        private Ticker ticker;
        private int prometheusPort = DEFAULT_PROMETHEUS_PORT;
        private Wildcard wildcard;
        private com.google.protobuf.Struct proxyConfig;

        private Builder(String nodeId, InetAddress bindAddress, InetSocketAddress xdsServer) {
            this.nodeId = nodeId;
            this.bindAddress = bindAddress;
            this.xdsServer = xdsServer;
        }

        public Builder nodeCluster(String value) {
            this.nodeCluster = value;
            return this;
        }

        public Builder labels(Map<String, String> value) {
            this.labels = value;
            return this;
        }

        public Builder namespace(String value) {
            this.namespace = value;
            return this;
        }

        public Builder podName(String value) {
            this.podName = value;
            return this;
        }

        public Builder role(ProxyRole value) {
            this.role = value;
            return this;
        }

        public Builder adminPort(int value) {
            this.adminPort = value;
            return this;
        }

        /** A seed drawn by whoever starts the proxy: decisions stay random in arrival order. */
        public Builder drawnSeed(Long value) {
            this.randomSeed = value;
            this.seedOrigin = SeedOrigin.DRAWN;
            return this;
        }

        /** A seed the user chose: per-request decisions become replayable by x-request-id. */
        public Builder explicitSeed(long value) {
            this.randomSeed = value;
            this.seedOrigin = SeedOrigin.EXPLICIT;
            return this;
        }

        public Builder clock(Clock value) {
            this.clock = value;
            return this;
        }

        public Builder sharedEventLoop(EventLoopGroup value) {
            this.sharedEventLoop = value;
            return this;
        }

        public Builder healthPort(int value) {
            this.healthPort = value;
            return this;
        }

        public Builder ticker(Ticker value) {
            this.ticker = value;
            return this;
        }

        public Builder prometheusPort(int value) {
            this.prometheusPort = value;
            return this;
        }

        public Builder wildcard(Wildcard value) {
            this.wildcard = value;
            return this;
        }

        public Builder proxyConfig(com.google.protobuf.Struct value) {
            this.proxyConfig = value;
            return this;
        }

        public ProxyOptions build() {
            return new ProxyOptions(
                    nodeId,
                    nodeCluster,
                    labels,
                    namespace,
                    podName,
                    role,
                    bindAddress,
                    xdsServer,
                    adminPort,
                    randomSeed,
                    clock,
                    sharedEventLoop,
                    healthPort,
                    ticker,
                    prometheusPort,
                    seedOrigin,
                    wildcard,
                    proxyConfig);
        }
    }

    public boolean seedIsExplicit() {
        return seedOrigin == SeedOrigin.EXPLICIT;
    }

    /** Istio's WORKLOAD_NAME: {@code app-version}, else {@code app}, else the pod name. */
    public String workloadName() {
        return Workload.workloadName(podName, labels);
    }
}
