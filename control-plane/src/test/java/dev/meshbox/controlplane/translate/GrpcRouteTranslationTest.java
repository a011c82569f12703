package dev.meshbox.controlplane.translate;

import static dev.meshbox.controlplane.testing.BookinfoYaml.DESTINATION_RULE_ALL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.testing.BookinfoFixture;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What a VirtualService gives gRPC as Istio's {@code route.go} writes it: {@code fault.abort.grpcStatus} by name to
 * {@code FaultAbort.grpc_status}, {@code max_grpc_timeout} equal to the route's timeout (0 without one) so that the
 * client's {@code grpc-timeout} is honoured, and the webhook's refusals.
 */
class GrpcRouteTranslationTest {

    private static List<Route> reviewsRoutes(String rules) {
        XdsResources r = Translator.translate(
                BookinfoFixture.view(DESTINATION_RULE_ALL.text(), """
                        apiVersion: networking.istio.io/v1
                        kind: VirtualService
                        metadata: {name: reviews}
                        spec:
                          hosts: [reviews]
                          http:
                        """ + rules), BookinfoFixture.PRODUCTPAGE);
        return r.routes().stream()
                .filter(rc -> rc.getName().equals("9080"))
                .flatMap(rc -> rc.getVirtualHostsList().stream())
                .filter(vh -> vh.getName().startsWith("reviews."))
                .findFirst()
                .orElseThrow()
                .getRoutesList();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"UNAVAILABLE, 14", "OK, 0", "PERMISSION_DENIED, 7", "UNAUTHENTICATED, 16", "DEADLINE_EXCEEDED, 4"})
    void grpcStatusAbortsByName(String name, int code) throws Exception {
        Route r = reviewsRoutes("""
                  - fault:
                      abort:
                        grpcStatus: %s
                        percentage: {value: 100}
                    route:
                    - destination: {host: reviews, subset: v1}
                """.formatted(name)).get(0);
        FaultAbort abort = r.getTypedPerFilterConfigOrThrow("envoy.filters.http.fault")
                .unpack(HTTPFault.class)
                .getAbort();
        assertThat(abort.getErrorTypeCase()).isEqualTo(FaultAbort.ErrorTypeCase.GRPC_STATUS);
        assertThat(abort.getGrpcStatus()).isEqualTo(code);
        assertThat(abort.getPercentage().getNumerator()).isEqualTo(1_000_000);
    }

    @Test
    @SuppressWarnings("deprecation")
    void maxGrpcTimeoutIsTheRoutesTimeoutOrZero() {
        List<Route> routes = reviewsRoutes("""
                  - match: [{headers: {end-user: {exact: jason}}}]
                    timeout: 3s
                    route:
                    - destination: {host: reviews, subset: v2}
                  - route:
                    - destination: {host: reviews, subset: v1}
                """);
        assertThat(routes.get(0).getRoute().getMaxGrpcTimeout().getSeconds()).isEqualTo(3);
        assertThat(routes.get(1).getRoute().hasMaxGrpcTimeout()).isTrue();
        assertThat(routes.get(1).getRoute().getMaxGrpcTimeout().getSeconds()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "{grpcStatus: UNAVAILBLE, percentage: {value: 100}} | abort.grpcStatus: must be a gRPC status name",
                "{grpcStatus: '14', percentage: {value: 100}}       | abort.grpcStatus: must be a gRPC status name",
                "{httpStatus: 503, grpcStatus: UNAVAILABLE}         | must set only one of httpStatus, grpcStatus",
                "{http2Error: CANCEL}                               | abort.http2Error: is not supported",
            })
    void badAbortsAreRefusedNamingTheField(String abort, String message) {
        var result = new ConfigStore().apply("reviews.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - fault:
                      abort: %s
                    route:
                    - destination: {host: reviews}
                """.formatted(abort));
        assertThat(result.problems().toString()).contains("reviews.yaml").contains(message);
    }
}
