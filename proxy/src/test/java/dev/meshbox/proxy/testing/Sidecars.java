package dev.meshbox.proxy.testing;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import dev.meshbox.proxy.Proxy;
import dev.meshbox.proxy.ProxyOptions;
import dev.meshbox.proxy.ProxyRole;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/** Starting sidecars and shaping clusters the way the control plane writes DestinationRule traffic policies. */
public final class Sidecars {

    private Sidecars() {}

    public static String nodeId(String podIp, String pod) {
        return "sidecar~" + podIp + "~" + pod + ".default~default.svc.cluster.local";
    }

    /** Starts a sidecar for {@code app}/{@code version} at {@code podIp} and waits until it is ready. */
    public static Proxy start(
            TestControlPlane controlPlane, String podIp, String app, String version, UnaryOperator<ProxyOptions> tweak)
            throws Exception {
        String pod = app + "-" + version + "-" + podIp.substring(podIp.lastIndexOf('.') + 1);
        ProxyOptions options = ProxyOptions.builder(
                        nodeId(podIp, pod), InetAddress.getByName(podIp), controlPlane.address())
                .nodeCluster(app + ".default")
                .labels(Map.of("app", app, "version", version))
                .namespace("default")
                .podName(pod)
                .role(ProxyRole.SIDECAR)
                .drawnSeed(11L)
                .build();
        Proxy proxy = Proxy.start(tweak.apply(options));
        proxy.ready().get(10, TimeUnit.SECONDS);
        return proxy;
    }

    /** Istio's connectionPool: tcp.maxConnections, http.http1MaxPendingRequests, http2MaxRequests, maxRetries. */
    public static Cluster withCircuitBreakers(
            Cluster c, int maxConnections, int maxPending, int maxRequests, int maxRetries) {
        return c.toBuilder()
                .setCircuitBreakers(CircuitBreakers.newBuilder()
                        .addThresholds(CircuitBreakers.Thresholds.newBuilder()
                                .setPriority(RoutingPriority.DEFAULT)
                                .setMaxConnections(UInt32Value.of(maxConnections))
                                .setMaxPendingRequests(UInt32Value.of(maxPending))
                                .setMaxRequests(UInt32Value.of(maxRequests))
                                .setMaxRetries(UInt32Value.of(maxRetries))))
                .build();
    }

    /** Istio's http.maxRequestsPerConnection, in the typed extension protocol options as Istio writes it. */
    public static Cluster withMaxRequestsPerConnection(Cluster c, int max) {
        var options = io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
                .setCommonHttpProtocolOptions(
                        HttpProtocolOptions.newBuilder().setMaxRequestsPerConnection(UInt32Value.of(max)))
                .setExplicitHttpConfig(
                        io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.ExplicitHttpConfig
                                .newBuilder()
                                .setHttpProtocolOptions(
                                        io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions.getDefaultInstance()))
                .build();
        return c.toBuilder()
                .putTypedExtensionProtocolOptions(
                        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions", Any.pack(options))
                .build();
    }

    /** Istio's outlierDetection: consecutive5xxErrors, interval, baseEjectionTime, maxEjectionPercent. */
    public static Cluster withOutlier(
            Cluster c, int consecutive5xx, long intervalSeconds, long baseEjectionSeconds, int maxEjectionPercent) {
        return c.toBuilder()
                .setOutlierDetection(OutlierDetection.newBuilder()
                        .setConsecutive5Xx(UInt32Value.of(consecutive5xx))
                        .setInterval(com.google.protobuf.Duration.newBuilder().setSeconds(intervalSeconds))
                        .setBaseEjectionTime(
                                com.google.protobuf.Duration.newBuilder().setSeconds(baseEjectionSeconds))
                        .setMaxEjectionPercent(UInt32Value.of(maxEjectionPercent))
                        .setEnforcingSuccessRate(UInt32Value.of(0)))
                .build();
    }
}
