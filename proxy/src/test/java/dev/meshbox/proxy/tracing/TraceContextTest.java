package dev.meshbox.proxy.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** B3 (multi and single header) and W3C traceparent, read as Envoy's Zipkin tracer reads them. */
class TraceContextTest {

    private static final String T128 = "463ac35c9f6413ad48485a3953bb6124";
    private static final String T64 = "48485a3953bb6124";
    private static final String S = "a2fb4a1d1a96d312";
    private static final String P = "0020000000000001";

    static Stream<Arguments> contexts() {
        return Stream.of(
                Arguments.of("nothing", Map.of(), null),
                Arguments.of(
                        "multi, sampled",
                        Map.of("x-b3-traceid", T128, "x-b3-spanid", S, "x-b3-parentspanid", P, "x-b3-sampled", "1"),
                        new TraceContext(T128, S, P, true, false)),
                Arguments.of(
                        "multi, 64-bit, upper case, true",
                        Map.of("x-b3-traceid", T64.toUpperCase(), "x-b3-spanid", S, "x-b3-sampled", "true"),
                        new TraceContext(T64, S, null, true, false)),
                Arguments.of(
                        "multi, no decision",
                        Map.of("x-b3-traceid", T128, "x-b3-spanid", S),
                        new TraceContext(T128, S, null, null, false)),
                Arguments.of(
                        "debug flag samples",
                        Map.of("x-b3-traceid", T128, "x-b3-spanid", S, "x-b3-flags", "1"),
                        new TraceContext(T128, S, null, true, true)),
                Arguments.of(
                        "only a decision",
                        Map.of("x-b3-sampled", "0"),
                        new TraceContext(null, null, null, false, false)),
                Arguments.of("malformed ids count as absent", Map.of("x-b3-traceid", "xyz", "x-b3-spanid", S), null),
                Arguments.of(
                        "single header, full",
                        Map.of("b3", T128 + "-" + S + "-1-" + P),
                        new TraceContext(T128, S, P, true, false)),
                Arguments.of(
                        "single header, deny only",
                        Map.of("b3", "0"),
                        new TraceContext(null, null, null, false, false)),
                Arguments.of(
                        "single header wins over multi",
                        Map.of("b3", T128 + "-" + S + "-0", "x-b3-traceid", T64, "x-b3-spanid", P),
                        new TraceContext(T128, S, null, false, false)),
                Arguments.of(
                        "traceparent, sampled",
                        Map.of("traceparent", "00-" + T128 + "-" + S + "-01"),
                        new TraceContext(T128, S, null, true, false)),
                Arguments.of(
                        "traceparent, not sampled",
                        Map.of("traceparent", "00-" + T128 + "-" + S + "-00"),
                        new TraceContext(T128, S, null, false, false)),
                Arguments.of(
                        "B3 wins over traceparent",
                        Map.of("x-b3-traceid", T64, "x-b3-spanid", P, "traceparent", "00-" + T128 + "-" + S + "-01"),
                        new TraceContext(T64, P, null, null, false)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("contexts")
    void extracts(String name, Map<String, String> headers, TraceContext expected) {
        assertThat(TraceContext.extract(headers::get)).isEqualTo(expected);
    }

    @Test
    void injectsMultiHeadersAndDropsTheSingleOne() {
        Map<String, String> h = new HashMap<>(Map.of("b3", "1", "x-b3-parentspanid", "0000000000000009"));
        new TraceContext(T128, S, null, true, false).inject(h::put, h::remove, false);
        assertThat(h)
                .containsEntry("x-b3-traceid", T128)
                .containsEntry("x-b3-spanid", S)
                .containsEntry("x-b3-sampled", "1")
                .doesNotContainKeys("b3", "x-b3-parentspanid", "traceparent");
    }

    @Test
    void injectsTraceparentWhenAskedForW3c() {
        Map<String, String> h = new HashMap<>();
        new TraceContext(T128, S, P, false, false).inject(h::put, h::remove, true);
        assertThat(h)
                .containsEntry("traceparent", "00-" + T128 + "-" + S + "-00")
                .containsEntry("x-b3-parentspanid", P)
                .containsEntry("x-b3-sampled", "0");
    }
}
