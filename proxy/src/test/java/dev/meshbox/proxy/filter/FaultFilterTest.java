package dev.meshbox.proxy.filter;

import static dev.meshbox.proxy.testing.XdsFixtures.cla;
import static dev.meshbox.proxy.testing.XdsFixtures.cluster;
import static dev.meshbox.proxy.testing.XdsFixtures.edsCluster;
import static dev.meshbox.proxy.testing.XdsFixtures.outboundPort;
import static dev.meshbox.proxy.testing.XdsFixtures.prefix;
import static dev.meshbox.proxy.testing.XdsFixtures.route;
import static dev.meshbox.proxy.testing.XdsFixtures.routeConfig;
import static dev.meshbox.proxy.testing.XdsFixtures.service;
import static dev.meshbox.proxy.testing.XdsFixtures.virtualOutbound;
import static dev.meshbox.proxy.testing.XdsFixtures.withFault;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.util.Durations;
import dev.meshbox.proxy.testing.EmbeddedProxy;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.util.CharsetUtil;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The fault filter on embedded channels: delays and aborts at 0 %, 100 % and a seeded share, per route. */
class FaultFilterTest {

    private static final String RATINGS = "outbound|9080||ratings.default.svc.cluster.local";
    private static final String ENDPOINT = "127.0.0.41:9080";

    private final EmbeddedProxy proxy = new EmbeddedProxy(11);

    @AfterEach
    void close() {
        proxy.close();
    }

    private EmbeddedProxy.Client sidecar(Route route) {
        proxy.listeners(virtualOutbound(), outboundPort(9080))
                .routes(routeConfig("9080", service("ratings", "default", 9080, route)))
                .clusters(edsCluster(RATINGS, Cluster.LbPolicy.ROUND_ROBIN))
                .endpoints(cla(RATINGS, ENDPOINT));
        return proxy.connect("virtualOutbound", 15001);
    }

    private static Route ratings() {
        return route("r", prefix("/"), cluster(RATINGS));
    }

    private static FractionalPercent percent(int value) {
        return FractionalPercent.newBuilder().setNumerator(value).build();
    }

    private static HTTPFault abort(int status, int percent) {
        return HTTPFault.newBuilder()
                .setAbort(FaultAbort.newBuilder().setHttpStatus(status).setPercentage(percent(percent)))
                .build();
    }

    private static HTTPFault delay(Duration d, int percent) {
        return HTTPFault.newBuilder()
                .setDelay(FaultDelay.newBuilder()
                        .setFixedDelay(Durations.fromMillis(d.toMillis()))
                        .setPercentage(percent(percent)))
                .build();
    }

    @Test
    void anAbortAt100PercentAnswersWithItsStatusAndFlagFIWithoutCallingTheUpstream() {
        EmbeddedProxy.Client client = sidecar(withFault(ratings(), abort(503, 100)));
        client.get("/ratings/0", "ratings:9080");

        FullHttpResponse response = client.response();
        assertThat(response.status().code()).isEqualTo(503);
        assertThat(response.content().toString(CharsetUtil.UTF_8)).isEqualTo("fault filter abort");
        assertThat(proxy.lastLogEntry().responseFlags()).isEqualTo("FI");
        assertThat(proxy.lastLogEntry().responseCodeDetails()).isEqualTo("fault_filter_abort");
        assertThat(proxy.upstreams().connectionsOpened(ENDPOINT)).isZero();
    }

    @Test
    void aDelayHoldsTheRequestForExactlyItsDurationThenForwardsItWithFlagDI() {
        EmbeddedProxy.Client client = sidecar(withFault(ratings(), delay(Duration.ofSeconds(7), 100)));
        client.get("/ratings/0", "ratings:9080");
        proxy.advance(Duration.ofMillis(6999));
        assertThat(proxy.upstreams().next(ENDPOINT)).as("still delayed").isNull();

        proxy.advance(Duration.ofMillis(1));
        proxy.upstreams().next(ENDPOINT).respond(200, "ok");
        assertThat(client.response().status().code()).isEqualTo(200);
        assertThat(proxy.lastLogEntry().responseFlags()).isEqualTo("DI");
    }

    @Test
    void aDelayFollowedByAnAbortCarriesBothFlags() {
        HTTPFault both = delay(Duration.ofSeconds(1), 100).toBuilder()
                .setAbort(abort(500, 100).getAbort())
                .build();
        EmbeddedProxy.Client client = sidecar(withFault(ratings(), both));
        client.get("/", "ratings:9080");
        assertThat(client.response()).isNull();
        proxy.advance(Duration.ofSeconds(1));

        assertThat(client.response().status().code()).isEqualTo(500);
        assertThat(proxy.lastLogEntry().responseFlags()).isEqualTo("DI,FI");
    }

    @Test
    void aClientThatLeavesDuringTheDelayIsLoggedWithDCAndNeverForwarded() {
        EmbeddedProxy.Client client = sidecar(withFault(ratings(), delay(Duration.ofSeconds(2), 100)));
        client.get("/", "ratings:9080");
        client.close();
        proxy.advance(Duration.ofSeconds(2));

        assertThat(proxy.upstreams().connectionsOpened(ENDPOINT)).isZero();
        assertThat(proxy.lastLogEntry().responseFlags()).isEqualTo("DI,DC");
    }

    @Test
    void theRoutesTimeoutStartsWhenTheDelayEndsAsInEnvoy() {
        // The fault filter and the router are independent: the delay holds the request before the router sees it,
        // then the route's own timeout applies to the upstream as usual.
        var route = route("r", prefix("/"), cluster(RATINGS).setTimeout(Durations.fromSeconds(1)));
        EmbeddedProxy.Client client = sidecar(withFault(route, delay(Duration.ofSeconds(2), 100)));
        client.get("/", "ratings:9080");
        proxy.advance(Duration.ofSeconds(2));
        assertThat(proxy.upstreams().next(ENDPOINT))
                .as("forwarded once the delay is over")
                .isNotNull();
        proxy.advance(Duration.ofMillis(999));
        assertThat(client.response()).isNull();
        proxy.advance(Duration.ofMillis(1));

        assertThat(client.response().status().code()).isEqualTo(504);
        assertThat(proxy.lastLogEntry().responseFlags()).isEqualTo("UT,DI");
    }

    @Test
    void aRouteThatDisablesTheFilterGetsNoFaultFromTheConnectionManagersConfig() {
        Route disabled = ratings().toBuilder()
                .putTypedPerFilterConfig(
                        "envoy.filters.http.fault",
                        Any.pack(FilterConfig.newBuilder().setDisabled(true).build()))
                .build();
        EmbeddedProxy.Client client = sidecar(disabled);
        client.get("/", "ratings:9080");
        proxy.upstreams().next(ENDPOINT).respond(200, "ok");
        assertThat(client.response().status().code()).isEqualTo(200);
    }

    @ParameterizedTest(name = "abort at {0} % of 400 requests: {1} to {2} aborted")
    @CsvSource({"0, 0, 0", "100, 400, 400", "50, 144, 256"})
    void theAbortShareFollowsThePercentage(int percent, int atLeast, int atMost) {
        // Seeded per request id: the 50 % case is the same every run; its bounds are 4 sigma around 200.
        EmbeddedProxy.Client client = sidecar(withFault(ratings(), abort(503, percent)));
        int aborted = 0;
        for (int i = 0; i < 400; i++) {
            client.get("/", "ratings:9080", "x-request-id", "fault-" + i);
            FullHttpResponse response = client.response();
            if (response == null) {
                proxy.upstreams().next(ENDPOINT).respond(200, "ok");
                response = client.response();
            }
            if (response.status().code() == 503) {
                aborted++;
            }
            response.release();
        }
        assertThat(aborted).isBetween(atLeast, atMost);
    }
}
