package dev.meshbox.proxy.testing;

import static dev.meshbox.proxy.testing.XdsFixtures.*;

import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A sidecar's snapshot as docs/xds-contract.md shapes it, for a pod at {@link #POD_IP} whose app listens on
 * {@link #APP_IP}, with services on port 9080 whose endpoints are test upstreams on 127.0.0.11x.
 */
public final class SidecarMesh {

    public static final String POD_IP = "127.0.0.101";
    public static final String APP_IP = "127.0.0.121";
    public static final String V1_IP = "127.0.0.111";
    public static final String V2_IP = "127.0.0.112";
    public static final String DEAD_IP = "127.0.0.113";
    public static final String FLAKY_IP = "127.0.0.114";
    public static final String NODE_ID = "sidecar~" + POD_IP + "~productpage-v1-abc.default~default.svc.cluster.local";

    public static final String REVIEWS_V1 = "outbound|9080|v1|reviews.default.svc.cluster.local";
    public static final String REVIEWS_V2 = "outbound|9080|v2|reviews.default.svc.cluster.local";
    public static final String EMPTY = "outbound|9080||empty.default.svc.cluster.local";
    public static final String DEAD = "outbound|9080||dead.default.svc.cluster.local";
    public static final String FLAKY = "outbound|9080||flaky.default.svc.cluster.local";

    private SidecarMesh() {}

    private static FractionalPercent all() {
        return FractionalPercent.newBuilder()
                .setNumerator(100)
                .setDenominator(FractionalPercent.DenominatorType.HUNDRED)
                .build();
    }

    public static List<Listener> listeners(int... inboundPorts) {
        return List.of(virtualOutbound(), outboundPort(9080), virtualInbound(inboundPorts));
    }

    /** Route configuration "9080"; {@code reviewsDefault} is where reviews goes when no header matches. */
    public static RouteConfiguration routes9080(String reviewsDefault) {
        List<VirtualHost> hosts = new ArrayList<>();
        hosts.add(service(
                "reviews",
                "default",
                9080,
                route("jason", headerExact("/", "end-user", "jason"), cluster(REVIEWS_V2)),
                route("", prefix("/"), cluster(reviewsDefault))));
        hosts.add(service(
                "split",
                "default",
                9080,
                route("split", prefix("/"), weighted(Map.of(REVIEWS_V1, 90, REVIEWS_V2, 10)))));
        hosts.add(service("empty", "default", 9080, route("", prefix("/"), cluster(EMPTY))));
        hosts.add(service("dead", "default", 9080, route("", prefix("/"), cluster(DEAD))));
        hosts.add(service(
                "ghost",
                "default",
                9080,
                route("", prefix("/"), cluster("outbound|9080||ghost.default.svc.cluster.local"))));
        hosts.add(service(
                "slow",
                "default",
                9080,
                route(
                        "slow",
                        prefix("/"),
                        cluster(REVIEWS_V1).setTimeout(Duration.newBuilder().setNanos(300_000_000)))));
        hosts.add(service(
                "flaky",
                "default",
                9080,
                route(
                        "flaky",
                        prefix("/"),
                        cluster(FLAKY)
                                .setRetryPolicy(RetryPolicy.newBuilder()
                                        .setRetryOn("5xx")
                                        .setNumRetries(UInt32Value.of(2))))));
        hosts.add(service(
                "aborted",
                "default",
                9080,
                withFault(
                        route("aborted", prefix("/"), cluster(REVIEWS_V1)),
                        HTTPFault.newBuilder()
                                .setAbort(FaultAbort.newBuilder()
                                        .setHttpStatus(500)
                                        .setPercentage(all()))
                                .build())));
        hosts.add(service(
                "delayed",
                "default",
                9080,
                withFault(
                        route("delayed", prefix("/"), cluster(REVIEWS_V1)),
                        HTTPFault.newBuilder()
                                .setDelay(FaultDelay.newBuilder()
                                        .setFixedDelay(Duration.newBuilder().setNanos(200_000_000))
                                        .setPercentage(all()))
                                .build())));
        hosts.add(service(
                "mirrored",
                "default",
                9080,
                route(
                        "mirrored",
                        prefix("/"),
                        cluster(REVIEWS_V1)
                                .addRequestMirrorPolicies(RouteAction.RequestMirrorPolicy.newBuilder()
                                        .setCluster(REVIEWS_V2)))));
        hosts.add(allowAny());
        return routeConfig("9080", hosts.toArray(VirtualHost[]::new));
    }

    public static List<Cluster> clusters(int... inboundPorts) {
        List<Cluster> clusters = new ArrayList<>(List.of(
                edsCluster(REVIEWS_V1, Cluster.LbPolicy.LEAST_REQUEST),
                edsCluster(REVIEWS_V2, Cluster.LbPolicy.LEAST_REQUEST),
                edsCluster(EMPTY, Cluster.LbPolicy.ROUND_ROBIN),
                edsCluster(DEAD, Cluster.LbPolicy.RANDOM),
                edsCluster(FLAKY, Cluster.LbPolicy.ROUND_ROBIN),
                staticCluster("BlackHoleCluster", null, 0),
                passthrough()));
        for (int port : inboundPorts) {
            clusters.add(staticCluster("inbound|" + port + "||", APP_IP, port));
        }
        return clusters;
    }

    public static List<ClusterLoadAssignment> endpoints() {
        return List.of(
                cla(REVIEWS_V1, V1_IP + ":9080"),
                cla(REVIEWS_V2, V2_IP + ":9080"),
                cla(EMPTY),
                cla(DEAD, DEAD_IP + ":9080"),
                cla(FLAKY, FLAKY_IP + ":9080"));
    }

    public static Snapshot snapshot(String version, String reviewsDefault, int... inboundPorts) {
        return Snapshot.create(
                clusters(inboundPorts),
                endpoints(),
                listeners(inboundPorts),
                List.of(routes9080(reviewsDefault)),
                List.of(),
                version);
    }

    public static Snapshot snapshot(String version) {
        return snapshot(version, REVIEWS_V1, 9080);
    }

    public static List<Route> none() {
        return List.of();
    }
}
