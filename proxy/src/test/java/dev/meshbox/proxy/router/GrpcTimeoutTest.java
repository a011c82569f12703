package dev.meshbox.proxy.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.proxy.route.RetryPolicy;
import dev.meshbox.proxy.route.RouteAction;
import dev.meshbox.proxy.route.RouteDecision;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Envoy's {@code FilterUtility::finalTimeout} for gRPC: {@code grpc-timeout} under the route's max_grpc_timeout. */
class GrpcTimeoutTest {

    @ParameterizedTest(name = "grpc-timeout {0} -> {1} ms")
    @CsvSource(
            nullValues = "-",
            value = {
                "1H,       3600000",
                "2M,       120000",
                "3S,       3000",
                "250m,     250",
                "1500u,    2",
                "1n,       1",
                "99999999m, 99999999",
                "123456789m, 0",
                "10,       0",
                "S,        0",
                "-5S,      0",
                "5x,       0",
                "-,        0",
            })
    void grpcTimeoutHeaderParsesAsGrpcSpecifies(String header, long ms) {
        assertThat(RouterFilter.grpcTimeoutMs(header)).isEqualTo(ms);
    }

    private static RouteDecision.Forward route(Duration timeout, Duration maxGrpc) {
        var action = new RouteAction.Forward(
                "c", null, timeout, RetryPolicy.NONE, List.of(), null, null, null, List.of(), 503, maxGrpc);
        return new RouteDecision.Forward(null, null, action, "c");
    }

    private static HttpHeaders grpc(String timeout) {
        HttpHeaders h = new DefaultHttpHeaders().set("content-type", "application/grpc");
        if (timeout != null) {
            h.set("grpc-timeout", timeout);
        }
        return h;
    }

    @ParameterizedTest(name = "route {0} ms, max_grpc_timeout {1}, grpc-timeout {2} -> {3} ms")
    @CsvSource(
            nullValues = "-",
            value = {
                "15000, -,    200m, 15000", // no max_grpc_timeout: the header is ignored
                "0,     0,    200m, 200", // Istio without a VS timeout: the client's deadline
                "0,     0,    -,    0", // ... and none without one
                "3000,  3000, 200m, 200", // under the cap
                "3000,  3000, 10S,  3000", // capped
                "3000,  3000, -,    3000", // no header: the cap
            })
    void theClientsDeadlineIsTheTimeoutUnderTheRoutesCap(long routeMs, Long maxMs, String header, long expected) {
        var f = route(Duration.ofMillis(routeMs), maxMs == null ? null : Duration.ofMillis(maxMs));
        assertThat(RouterFilter.timeoutMs(f, grpc(header))).isEqualTo(expected);
    }

    @Test
    void aNonGrpcRequestKeepsTheRouteTimeout() {
        var f = route(Duration.ofMillis(3000), Duration.ZERO);
        HttpHeaders h =
                new DefaultHttpHeaders().set("content-type", "application/json").set("grpc-timeout", "1m");
        assertThat(RouterFilter.timeoutMs(f, h)).isEqualTo(3000);
    }
}
