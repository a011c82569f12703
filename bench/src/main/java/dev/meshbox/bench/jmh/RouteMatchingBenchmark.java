package dev.meshbox.bench.jmh;

import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.proxy.route.RequestView;
import dev.meshbox.proxy.route.RouteDecision;
import dev.meshbox.proxy.route.RouteTable;
import dev.meshbox.proxy.route.Router;
import dev.meshbox.proxy.route.WeightedClusters;
import dev.meshbox.proxy.spec.RouteConverter;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A sidecar's routing decision for one request, on the route table a real control plane sends: Bookinfo's services
 * plus {@code extra} more, Istio's reviews VirtualService (jason to v2 by header, everyone else 90/10 between v1 and
 * v3). The table comes through the same path as in the proxy: translator, Envoy RouteConfiguration, RouteConverter.
 * Run with {@code -prof gc} for the allocation per decision ({@code gc.alloc.rate.norm}, bytes per operation).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx512m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class RouteMatchingBenchmark {

    /**
     * Written out here rather than read from the control plane's Bookinfo test fixtures (its test-jar): what a
     * benchmark measures must not move when a test fixture does, or results recorded in bench/README.md stop being
     * comparable, and this is main code shaded into the benchmark jar, which should not carry test classes.
     */
    private static final String RULES = """
      apiVersion: networking.istio.io/v1
      kind: DestinationRule
      metadata: {name: reviews}
      spec:
        host: reviews
        subsets:
        - {name: v1, labels: {version: v1}}
        - {name: v2, labels: {version: v2}}
        - {name: v3, labels: {version: v3}}
      ---
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: {name: reviews}
      spec:
        hosts: [reviews]
        http:
        - match:
          - headers:
              end-user: {exact: jason}
          route:
          - destination: {host: reviews, subset: v2}
        - route:
          - destination: {host: reviews, subset: v1}
            weight: 90
          - destination: {host: reviews, subset: v3}
            weight: 10
      """;

    /** Services in the mesh besides Bookinfo's four: each adds a virtual host with eight domains to the table. */
    @org.openjdk.jmh.annotations.Param({"0", "100"})
    public int extra;

    private RouteTable table;
    private WeightedClusters weights;
    private RequestView details;
    private RequestView jason;
    private RequestView anonymous;
    private final Random random = new Random(42);

    @Setup
    public void setUp() {
        try (ControlPlane cp = new ControlPlane()) {
            List<MeshService> services = new ArrayList<>();
            List<Pod> pods = new ArrayList<>();
            List<String> names = new ArrayList<>(List.of("productpage", "details", "ratings", "reviews"));
            for (int i = 0; i < extra; i++) {
                names.add(String.format("svc-%03d", i));
            }
            int n = 1;
            for (String name : names) {
                services.add(new MeshService(name, "default", List.of(ServicePort.http(9080)), Map.of("app", name)));
                for (String version : name.equals("reviews") ? List.of("v1", "v2", "v3") : List.of("v1")) {
                    pods.add(new Pod(
                            name + "-" + version,
                            "default",
                            "127.9." + (n / 250) + "." + (n % 250 + 1),
                            "127.8.0.1",
                            Map.of("app", name, "version", version),
                            Pod.ProxyKind.SIDECAR,
                            true));
                    n++;
                }
            }
            cp.registry().putAll(services, pods);
            if (!cp.config().apply("reviews.yaml", RULES).ok()) {
                throw new IllegalStateException("the benchmark's Istio config does not apply");
            }
            Pod productpage = pods.get(0);
            RouteConfiguration routes = cp.resources(productpage.nodeId()).routes().stream()
                    .filter(r -> r.getName().equals("9080"))
                    .findFirst()
                    .orElseThrow();
            table = RouteConverter.convert(routes);
        }
        details = new RequestView(
                "GET", "details:9080", "/details/0", Map.of("user-agent", "bench", "x-request-id", "1"));
        jason = new RequestView(
                "GET",
                "reviews:9080",
                "/reviews/0",
                Map.of("user-agent", "bench", "x-request-id", "2", "end-user", "jason"));
        anonymous = new RequestView(
                "GET", "reviews:9080", "/reviews/0", Map.of("user-agent", "bench", "x-request-id", "3"));
        RouteDecision d = Router.route(table, anonymous, random);
        weights = ((RouteDecision.Forward) d).action().weighted();
        if (weights == null
                || !(Router.route(table, jason, random) instanceof RouteDecision.Forward f)
                || !f.cluster().contains("|v2|")) {
            throw new IllegalStateException("the route table is not the one this benchmark expects: " + table);
        }
    }

    /** A service with no VirtualService: its virtual host's single default route. */
    @Benchmark
    public RouteDecision defaultRoute() {
        return Router.route(table, details, random);
    }

    /** jason's request: the header match of the first route. */
    @Benchmark
    public RouteDecision headerMatch() {
        return Router.route(table, jason, random);
    }

    /** Everyone else: the header match fails, the second route's 90/10 weighted choice picks a subset. */
    @Benchmark
    public RouteDecision weightedRoute() {
        return Router.route(table, anonymous, random);
    }

    /** The weighted choice alone: one draw and a scan of the cumulative weights. */
    @Benchmark
    public String weightedChoice() {
        return weights.pick(random);
    }
}
