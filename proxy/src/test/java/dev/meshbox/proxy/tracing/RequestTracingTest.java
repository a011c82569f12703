package dev.meshbox.proxy.tracing;

import static dev.meshbox.proxy.testing.XdsFixtures.cla;
import static dev.meshbox.proxy.testing.XdsFixtures.cluster;
import static dev.meshbox.proxy.testing.XdsFixtures.edsCluster;
import static dev.meshbox.proxy.testing.XdsFixtures.outboundPort;
import static dev.meshbox.proxy.testing.XdsFixtures.prefix;
import static dev.meshbox.proxy.testing.XdsFixtures.route;
import static dev.meshbox.proxy.testing.XdsFixtures.routeConfig;
import static dev.meshbox.proxy.testing.XdsFixtures.service;
import static dev.meshbox.proxy.testing.XdsFixtures.virtualInbound;
import static dev.meshbox.proxy.testing.XdsFixtures.virtualOutbound;
import static dev.meshbox.proxy.testing.XdsFixtures.withFault;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.meshbox.proxy.testing.EmbeddedProxy;
import dev.meshbox.proxy.testing.EmbeddedUpstreams;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Decorator;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.envoyproxy.envoy.type.v3.Percent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Envoy's tracing in the connection manager, on embedded channels: B3 propagation, new span per hop with the caller's
 * span as parent, sampling (caller's decision, x-client-trace-id, x-envoy-force-trace, random), and the span's name,
 * kind and tags as Zipkin receives them.
 */
class RequestTracingTest {

    private static final String RATINGS = "outbound|9080||ratings.default.svc.cluster.local";
    private static final String COLLECTOR = "outbound|9411||zipkin.istio-system.svc.cluster.local";
    private static final String ENDPOINT = "127.0.0.41:9080";
    private static final String APP = "127.0.0.10:9080";

    private final EmbeddedProxy proxy = new EmbeddedProxy(11);

    @AfterEach
    void close() {
        proxy.close();
    }

    static HttpConnectionManager.Tracing tracing(double random) {
        return dev.meshbox.proxy.testing.XdsFixtures.zipkinTracing(random);
    }

    static Listener traced(Listener l, HttpConnectionManager.Tracing t) {
        return dev.meshbox.proxy.testing.XdsFixtures.withTracing(l, t);
    }

    private static Route ratings() {
        return route("r", prefix("/"), cluster(RATINGS)).toBuilder()
                .setDecorator(Decorator.newBuilder().setOperation("ratings.default.svc.cluster.local:9080/*"))
                .build();
    }

    private EmbeddedProxy.Client outbound(double random, Route route) {
        proxy.listeners(virtualOutbound(), traced(outboundPort(9080), tracing(random)))
                .routes(routeConfig("9080", service("ratings", "default", 9080, route)))
                .clusters(edsCluster(RATINGS, Cluster.LbPolicy.ROUND_ROBIN))
                .endpoints(cla(RATINGS, ENDPOINT));
        return proxy.connect("virtualOutbound", 15001);
    }

    @Test
    void aNewTraceStartsAtTheCallerSidecarWithA128BitIdAndAClientSpan() {
        EmbeddedProxy.Client client = outbound(100, ratings());
        client.get("/ratings/0?x=1", "ratings:9080", "end-user", "jason");
        EmbeddedUpstreams.Arrived up = proxy.upstreams().next(ENDPOINT);
        String traceId = up.header("x-b3-traceid");
        String spanId = up.header("x-b3-spanid");
        assertThat(traceId).matches("[0-9a-f]{32}");
        assertThat(spanId).matches("[0-9a-f]{16}");
        assertThat(up.header("x-b3-sampled")).isEqualTo("1");
        assertThat(up.header("x-b3-parentspanid")).isNull();
        assertThat(up.header("x-request-id")).isNotEmpty();
        up.respond(200, "ok");
        assertThat(client.response().status().code()).isEqualTo(200);

        assertThat(proxy.spans()).hasSize(1);
        EmbeddedProxy.ReportedSpan reported = proxy.spans().get(0);
        assertThat(reported.cluster()).isEqualTo(COLLECTOR);
        assertThat(reported.endpoint()).isEqualTo("/api/v2/spans");
        Span span = reported.span();
        assertThat(span.traceId()).isEqualTo(traceId);
        assertThat(span.id()).isEqualTo(spanId);
        assertThat(span.parentId()).isNull();
        assertThat(span.kind()).isEqualTo(Span.Kind.CLIENT);
        assertThat(span.name()).isEqualTo("ratings.default.svc.cluster.local:9080/*");
        assertThat(span.serviceName()).isEqualTo("productpage.default");
        assertThat(span.tags())
                .containsEntry("http.url", "http://ratings:9080/ratings/0?x=1")
                .containsEntry("http.method", "GET")
                .containsEntry("http.protocol", "HTTP/1.1")
                .containsEntry("http.status_code", "200")
                .containsEntry("upstream_cluster", RATINGS)
                .containsEntry("upstream_cluster.name", RATINGS)
                .containsEntry("upstream_address", ENDPOINT)
                .containsEntry("response_flags", "-")
                .containsEntry("component", "proxy")
                .containsEntry("guid:x-request-id", up.header("x-request-id"))
                .containsEntry("istio.canonical_service", "productpage")
                .containsEntry("user", "jason")
                .containsKeys("node_id", "peer.address", "request_size", "response_size")
                .doesNotContainKey("error");
        assertThat(span.toJson())
                .contains("\"traceId\":\"" + traceId + "\"")
                .contains("\"kind\":\"CLIENT\"")
                .contains("\"localEndpoint\":{\"serviceName\":\"productpage.default\",\"ipv4\":\"127.0.0.10\"}");
    }

    @Test
    void theCallersContextIsContinuedWithANewSpanWhoseParentIsTheCallersSpan() {
        EmbeddedProxy.Client client = outbound(0, ratings());
        String trace = "463ac35c9f6413ad48485a3953bb6124";
        client.get(
                "/ratings/0",
                "ratings:9080",
                "x-b3-traceid",
                trace,
                "x-b3-spanid",
                "a2fb4a1d1a96d312",
                "x-b3-sampled",
                "1");
        EmbeddedUpstreams.Arrived up = proxy.upstreams().next(ENDPOINT);
        assertThat(up.header("x-b3-traceid")).isEqualTo(trace);
        assertThat(up.header("x-b3-parentspanid")).isEqualTo("a2fb4a1d1a96d312");
        assertThat(up.header("x-b3-spanid")).matches("[0-9a-f]{16}").isNotEqualTo("a2fb4a1d1a96d312");
        up.respond(200, "ok");
        client.response();
        assertThat(proxy.spans()).singleElement().satisfies(s -> {
            assertThat(s.span().traceId()).isEqualTo(trace);
            assertThat(s.span().parentId()).isEqualTo("a2fb4a1d1a96d312");
        });
    }

    @Test
    void anIncomingUnsampledDecisionIsHonouredAndStillPropagated() {
        EmbeddedProxy.Client client = outbound(100, ratings());
        client.get("/", "ratings:9080", "b3", "463ac35c9f6413ad48485a3953bb6124-a2fb4a1d1a96d312-0");
        EmbeddedUpstreams.Arrived up = proxy.upstreams().next(ENDPOINT);
        assertThat(up.header("x-b3-sampled")).isEqualTo("0");
        assertThat(up.header("x-b3-traceid")).isEqualTo("463ac35c9f6413ad48485a3953bb6124");
        assertThat(up.header("b3")).isNull();
        up.respond(200, "ok");
        client.response();
        assertThat(proxy.spans()).isEmpty();
    }

    @Test
    void anUnsampledRequestStillCarriesAContextOnwardsAsEnvoysDoes() {
        EmbeddedProxy.Client client = outbound(0, ratings());
        client.get("/", "ratings:9080", "X-B3-ParentSpanId", "0000000000000009");
        EmbeddedUpstreams.Arrived up = proxy.upstreams().next(ENDPOINT);
        assertThat(up.header("x-b3-traceid")).matches("[0-9a-f]{32}");
        assertThat(up.header("x-b3-spanid")).matches("[0-9a-f]{16}");
        assertThat(up.header("x-b3-sampled")).isEqualTo("0");
        assertThat(up.header("x-b3-parentspanid")).isNull();
        assertThat(up.header("x-request-id")).isNotEmpty();
        assertThat(up.header("traceparent")).isNull();
        up.respond(200, "ok");
        client.response();
        assertThat(proxy.spans()).isEmpty();
    }

    @Test
    void withASeedTheIdsAreAFunctionOfTheRequestId() {
        String[] ids = new String[2];
        for (int i = 0; i < 2; i++) {
            try (EmbeddedProxy p = new EmbeddedProxy(11)) {
                p.listeners(virtualOutbound(), traced(outboundPort(9080), tracing(0)))
                        .routes(routeConfig("9080", service("ratings", "default", 9080, ratings())))
                        .clusters(edsCluster(RATINGS, Cluster.LbPolicy.ROUND_ROBIN))
                        .endpoints(cla(RATINGS, ENDPOINT));
                EmbeddedProxy.Client client = p.connect("virtualOutbound", 15001);
                client.get("/", "ratings:9080", "x-request-id", "same-request");
                EmbeddedUpstreams.Arrived up = p.upstreams().next(ENDPOINT);
                ids[i] = up.header("x-b3-traceid") + "/" + up.header("x-b3-spanid");
                up.respond(200, "ok");
                client.response();
            }
        }
        assertThat(ids[1]).isEqualTo(ids[0]);
    }

    @Test
    void aW3cCallerGetsTraceparentForThisHopAndB3Too() {
        EmbeddedProxy.Client client = outbound(0, ratings());
        String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        client.get("/", "ratings:9080", "traceparent", "00-" + trace + "-00f067aa0ba902b7-01");
        EmbeddedUpstreams.Arrived up = proxy.upstreams().next(ENDPOINT);
        String span = up.header("x-b3-spanid");
        assertThat(up.header("x-b3-traceid")).isEqualTo(trace);
        assertThat(up.header("x-b3-parentspanid")).isEqualTo("00f067aa0ba902b7");
        assertThat(up.header("x-b3-sampled")).isEqualTo("1");
        assertThat(up.header("traceparent")).isEqualTo("00-" + trace + "-" + span + "-01");
        up.respond(200, "ok");
        client.response();
        assertThat(proxy.spans()).singleElement().satisfies(s -> {
            assertThat(s.span().traceId()).isEqualTo(trace);
            assertThat(s.span().id()).isEqualTo(span);
            assertThat(s.span().parentId()).isEqualTo("00f067aa0ba902b7");
        });
    }

    @Test
    void zeroPercentSamplesNothingButClientTraceIdAndForceTraceDo() {
        EmbeddedProxy.Client client = outbound(0, ratings());
        client.get("/a", "ratings:9080");
        proxy.upstreams().next(ENDPOINT).respond(200, "ok");
        client.response();
        assertThat(proxy.spans()).isEmpty();

        client.get("/b", "ratings:9080", "x-client-trace-id", "my-trace");
        EmbeddedUpstreams.Arrived up = proxy.upstreams().next(ENDPOINT);
        assertThat(up.header("x-b3-sampled")).isEqualTo("1");
        up.respond(200, "ok");
        client.response();
        assertThat(proxy.spans()).hasSize(1);
        assertThat(proxy.spans().get(0).span().tags()).containsEntry("guid:x-client-trace-id", "my-trace");

        client.get("/c", "ratings:9080", "x-envoy-force-trace", "true");
        proxy.upstreams().next(ENDPOINT).respond(200, "ok");
        client.response();
        assertThat(proxy.spans()).hasSize(2);
    }

    @Test
    void everyHopOfARequestDrawsTheSameRandomDecision() {
        int sampled = 0;
        for (int i = 0; i < 2000; i++) {
            long key = dev.meshbox.proxy.random.RandomSource.requestKey("req-" + i);
            boolean a = dev.meshbox.proxy.http.RequestTracingAccess.decide(25, key);
            boolean b = dev.meshbox.proxy.http.RequestTracingAccess.decide(25, key);
            assertThat(a).isEqualTo(b);
            sampled += a ? 1 : 0;
        }
        assertThat(sampled).isBetween(400, 600); // 25 % of 2000, with room
    }

    @Test
    void aFaultInjectedAbortIsACallerSpanWithFlagFIAndError() {
        HTTPFault abort = HTTPFault.newBuilder()
                .setAbort(FaultAbort.newBuilder()
                        .setHttpStatus(503)
                        .setPercentage(FractionalPercent.newBuilder().setNumerator(100)))
                .build();
        EmbeddedProxy.Client client = outbound(100, withFault(ratings(), abort));
        client.get("/ratings/0", "ratings:9080");
        assertThat(client.response().status().code()).isEqualTo(503);
        assertThat(proxy.spans())
                .singleElement()
                .satisfies(s -> assertThat(s.span().tags())
                        .containsEntry("response_flags", "FI")
                        .containsEntry("http.status_code", "503")
                        .containsEntry("error", "true"));
    }

    @Test
    void anUpstream5xxIsTaggedError() {
        EmbeddedProxy.Client client = outbound(100, ratings());
        client.get("/", "ratings:9080");
        proxy.upstreams().next(ENDPOINT).respond(500, "boom");
        assertThat(client.response().status().code()).isEqualTo(500);
        assertThat(proxy.spans())
                .singleElement()
                .satisfies(s -> assertThat(s.span().tags())
                        .containsEntry("error", "true")
                        .containsEntry("http.status_code", "500"));
    }

    @Test
    void aRetriedCallIsOneClientSpanAtTheCallerAndOneServerSpanPerAttemptAtTheCallee() {
        // The caller: Istio sets no start_child_span, so the attempts stay inside the connection manager's one span
        // and each carries it onwards as the parent (x-b3-spanid), with its attempt count.
        Route retried = route(
                "r",
                prefix("/"),
                cluster(RATINGS)
                        .setRetryPolicy(io.envoyproxy.envoy.config.route.v3.RetryPolicy.newBuilder()
                                .setRetryOn("5xx")
                                .setNumRetries(com.google.protobuf.UInt32Value.of(2))));
        EmbeddedProxy.Client client = outbound(100, retried);
        client.get("/ratings/0", "ratings:9080");
        java.util.List<java.util.Map<String, String>> attempts = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            if (i > 0) {
                proxy.advance(java.time.Duration.ofMillis(250));
            }
            EmbeddedUpstreams.Arrived up = proxy.upstreams().next(ENDPOINT);
            attempts.add(java.util.Map.of(
                    "x-b3-traceid", up.header("x-b3-traceid"),
                    "x-b3-spanid", up.header("x-b3-spanid"),
                    "x-b3-sampled", up.header("x-b3-sampled"),
                    "x-request-id", up.header("x-request-id"),
                    "x-envoy-attempt-count", up.header("x-envoy-attempt-count")));
            up.respond(i < 2 ? 503 : 200, i < 2 ? "busy" : "ok");
        }
        assertThat(client.response().status().code()).isEqualTo(200);
        assertThat(proxy.spans()).singleElement().satisfies(s -> {
            assertThat(s.span().kind()).isEqualTo(Span.Kind.CLIENT);
            assertThat(s.span().tags()).containsEntry("http.status_code", "200");
        });
        String callerSpan = proxy.spans().get(0).span().id();
        assertThat(attempts).extracting(a -> a.get("x-b3-spanid")).containsOnly(callerSpan);
        assertThat(attempts).extracting(a -> a.get("x-envoy-attempt-count")).containsExactly("1", "2", "3");

        // The callee's inbound side: each attempt is a request of its own, so a SERVER span each, children of the
        // caller's span, with distinct ids even with a seed (the attempt count is part of the id's derivation).
        try (EmbeddedProxy callee = new EmbeddedProxy(11)) {
            callee.listeners(traced(virtualInbound(9080), tracing(0)))
                    .clusters(
                            dev.meshbox.proxy.testing.XdsFixtures.staticCluster("inbound|9080||", "127.0.0.10", 9080));
            EmbeddedProxy.Client in = callee.connect("virtualInbound", 9080);
            for (java.util.Map<String, String> a : attempts) {
                java.util.List<String> headers = new java.util.ArrayList<>();
                a.forEach((k, v) -> {
                    headers.add(k);
                    headers.add(v);
                });
                in.get("/ratings/0", "ratings:9080", headers.toArray(String[]::new));
                callee.upstreams().next(APP).respond(503, "busy");
                in.response();
            }
            assertThat(callee.spans()).hasSize(3).allSatisfy(s -> {
                assertThat(s.span().kind()).isEqualTo(Span.Kind.SERVER);
                assertThat(s.span().parentId()).isEqualTo(callerSpan);
                assertThat(s.span().traceId()).isEqualTo(attempts.get(0).get("x-b3-traceid"));
            });
            assertThat(callee.spans()).extracting(s -> s.span().id()).doesNotHaveDuplicates();
        }
    }

    @Test
    void theInboundSideMakesAServerSpanNamedByItsDecorator() {
        Listener inbound = virtualInbound(9080);
        Listener.Builder b = traced(inbound, tracing(100)).toBuilder();
        // The control plane's inbound decorator: <fqdn>:<port>/*.
        Filter.Builder f = b.getFilterChainsBuilder(0).getFiltersBuilder(0);
        try {
            HttpConnectionManager hcm = f.getTypedConfig().unpack(HttpConnectionManager.class);
            HttpConnectionManager.Builder h = hcm.toBuilder();
            h.getRouteConfigBuilder()
                    .getVirtualHostsBuilder(0)
                    .getRoutesBuilder(0)
                    .setDecorator(Decorator.newBuilder().setOperation("Ratings.default.svc.cluster.local:9080/*"));
            f.setTypedConfig(Any.pack(h.build()));
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
        proxy.listeners(b.build())
                .clusters(dev.meshbox.proxy.testing.XdsFixtures.staticCluster("inbound|9080||", "127.0.0.10", 9080));
        EmbeddedProxy.Client client = proxy.connect("virtualInbound", 9080);
        client.get(
                "/ratings/0",
                "ratings:9080",
                "x-b3-traceid",
                "463ac35c9f6413ad48485a3953bb6124",
                "x-b3-spanid",
                "a2fb4a1d1a96d312",
                "x-b3-sampled",
                "1");
        EmbeddedUpstreams.Arrived up = proxy.upstreams().next(APP);
        assertThat(up.header("x-b3-parentspanid")).isEqualTo("a2fb4a1d1a96d312");
        up.respond(200, "ok");
        client.response();
        assertThat(proxy.spans()).singleElement().satisfies(s -> {
            assertThat(s.span().kind()).isEqualTo(Span.Kind.SERVER);
            assertThat(s.span().name()).isEqualTo("ratings.default.svc.cluster.local:9080/*");
            assertThat(s.span().parentId()).isEqualTo("a2fb4a1d1a96d312");
            assertThat(s.span().id()).isEqualTo(up.header("x-b3-spanid"));
            assertThat(s.span().tags()).containsEntry("upstream_cluster", "inbound|9080||");
        });
    }

    @Test
    void withoutTracingNoHeadersAreAdded() {
        proxy.listeners(virtualOutbound(), outboundPort(9080))
                .routes(routeConfig("9080", service("ratings", "default", 9080, ratings())))
                .clusters(edsCluster(RATINGS, Cluster.LbPolicy.ROUND_ROBIN))
                .endpoints(cla(RATINGS, ENDPOINT));
        EmbeddedProxy.Client client = proxy.connect("virtualOutbound", 15001);
        client.get("/", "ratings:9080");
        EmbeddedUpstreams.Arrived up = proxy.upstreams().next(ENDPOINT);
        assertThat(up.header("x-b3-traceid")).isNull();
        up.respond(200, "ok");
        client.response();
        assertThat(proxy.spans()).isEmpty();
    }

    @Test
    void aPercentageOutsideZeroToHundredIsNacked() {
        Listener bad = traced(
                outboundPort(9080),
                tracing(100).toBuilder()
                        .setRandomSampling(Percent.newBuilder().setValue(150))
                        .build());
        assertThat(proxy.tryApply(dev.meshbox.proxy.xds.TypeUrls.LISTENER, bad))
                .contains("tracing.random_sampling.value: must be in [0, 100], got 150.0");
    }
}
