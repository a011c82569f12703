package dev.meshbox.scenarios;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Envoy's response flags ({@code %RESPONSE_FLAGS%} in an access log), each with what it means for someone who wrote the
 * Istio config, so a report or a failed assertion says which mechanism answered instead of leaving the reader to look
 * up a code. Complete and in Envoy's own order ({@code ALL_RESPONSE_STRINGS_FLAGS} in Envoy's
 * {@code source/common/stream_info/utility.h}), which is also the order Envoy prints several flags in.
 *
 * <p>The one home of these meanings: the scenario reports, the JUnit extension's explanations and the web UI's
 * tooltips all read them from here. The proxy keeps its own enum of the flags it sets, since it depends on nothing.
 */
public enum ResponseFlag {
    LH("failed local health check: the proxy's own app failed its health check"),
    UH("no healthy upstream: no endpoints in the subset, or all of them ejected"),
    UT("upstream timeout: the route's timeout expired"),
    LR("local reset: the proxy reset the stream itself"),
    UR("upstream reset: the upstream reset the stream"),
    UF("upstream connection failure: the proxy could not connect to the upstream"),
    UC("upstream connection terminated: the upstream closed the connection before it answered"),
    UO("overflow: the DestinationRule's connectionPool limits were full, the circuit breaker refused it"),
    NR("no route: no virtual host or VirtualService route matched the request"),
    DI("fault delay injected by a VirtualService"),
    FI("fault abort injected by a VirtualService"),
    RL("rate limited: a local rate limit refused the request (429)"),
    UAEX("unauthorized: the external authorization service denied the request"),
    RLSE("rate limit service error: the rate limit service could not be consulted"),
    DC("downstream connection terminated: the caller closed the connection"),
    URX("retries exhausted: every attempt of the route's retry policy failed"),
    SI("stream idle timeout: nothing moved on the stream for the idle timeout"),
    IH("invalid header: a strictly checked x-envoy request header had an invalid value (400)"),
    DPE("downstream protocol error: the caller's request was not valid HTTP"),
    UMSDR("upstream max stream duration reached"),
    RFCF("response from cache filter: a filter answered from its cache"),
    NFCF("no filter config found: a filter's configuration did not arrive in time"),
    DT("duration timeout: the request or connection exceeded its maximum duration"),
    UPE("upstream protocol error: the upstream's response was not valid HTTP"),
    NC("no such cluster: a route names a subset that no DestinationRule defines"),
    OM("overload: the proxy's overload manager shed the request"),
    DF("DNS resolution failure: the upstream host name did not resolve"),
    DO("drop overload: the cluster's drop_overloads dropped the request");

    /** What Envoy logs when a request has no flag. */
    public static final String NONE = "-";

    private final String meaning;

    ResponseFlag(String meaning) {
        this.meaning = meaning;
    }

    /** The code Envoy logs, e.g. {@code UO}. */
    public String code() {
        return name();
    }

    /** One sentence for a person: what answered, and the Istio setting behind it where there is one. */
    public String meaning() {
        return meaning;
    }

    /** {@code UO (overflow: the DestinationRule's connectionPool limits were full, ...)}. */
    public String describe() {
        return code() + " (" + meaning + ")";
    }

    /** The flag with this code; empty for a code Envoy does not have (or a newer one this list lacks). */
    public static Optional<ResponseFlag> of(String code) {
        return Arrays.stream(values()).filter(f -> f.code().equals(code)).findFirst();
    }

    /**
     * Envoy's flags field ({@code UO}, {@code UF,URX}; {@code -} or empty for none) as flags.
     *
     * @throws IllegalArgumentException naming a code that is not a response flag, and listing the flags
     */
    public static List<ResponseFlag> parse(String flags) {
        List<ResponseFlag> out = new ArrayList<>();
        for (String code : codes(flags)) {
            out.add(of(code).orElseThrow(() -> new IllegalArgumentException("response flags \"" + flags + "\": " + code
                    + " is not one of Envoy's response flags " + allCodes())));
        }
        return out;
    }

    /** Whether Envoy's flags field ({@code UF,URX}) contains {@code code}. */
    public static boolean has(String flags, String code) {
        return codes(flags).contains(code);
    }

    /**
     * Envoy's flags field in words: {@code UF,URX} gives {@code UF (upstream connection failure: ...), URX (retries
     * exhausted: ...)}; {@code -} or empty gives {@code - (no flag)}; a code this list lacks stays as it is.
     */
    public static String describe(String flags) {
        List<String> codes = codes(flags);
        if (codes.isEmpty()) {
            return NONE + " (no flag)";
        }
        return codes.stream()
                .map(c -> of(c).map(ResponseFlag::describe).orElse(c))
                .collect(Collectors.joining(", "));
    }

    /** Every code, in Envoy's order: {@code [LH, UH, UT, ...]}. */
    public static List<String> allCodes() {
        return Arrays.stream(values()).map(ResponseFlag::code).toList();
    }

    private static List<String> codes(String flags) {
        if (flags == null || flags.isBlank() || flags.strip().equals(NONE)) {
            return List.of();
        }
        return Arrays.stream(flags.split(","))
                .map(String::strip)
                .filter(c -> !c.isEmpty())
                .toList();
    }
}
