package dev.meshbox.proxy.filter;

import dev.meshbox.proxy.http.FilterStateKey;
import dev.meshbox.proxy.http.HttpExchange;
import dev.meshbox.proxy.http.HttpFilter;
import dev.meshbox.proxy.http.LocalReply;
import dev.meshbox.proxy.spec.JwtAuthnConfig;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code envoy.filters.http.jwt_authn}: finds the tokens of each provider in the request, verifies them
 * ({@link JwtVerifier}) and checks the matching rule's requirement ({@link JwtRequirements}). A request that fails
 * gets Envoy's local reply: 401 (403 for a disallowed audience) with jwt_verify_lib's status text as the body and
 * {@code www-authenticate: Bearer realm="<original URI>", error="invalid_token"}. A request that passes carries its
 * verified payloads in {@link #metadata(HttpExchange)} for authorization, the payload and claim headers the providers
 * ask for, and no token unless the provider {@code forward}s it.
 */
public final class JwtAuthnFilter implements HttpFilter {

    /** Envoy's dynamic metadata namespace for this filter, which Istio's RBAC reads. */
    public static final String METADATA_NAMESPACE = "envoy.filters.http.jwt_authn";

    /** The verified payloads of the request (Envoy's dynamic metadata under {@link #METADATA_NAMESPACE}). */
    public static final FilterStateKey<JwtMetadata> METADATA =
            new FilterStateKey<>(METADATA_NAMESPACE, JwtMetadata.class);

    /** Envoy's limit on the path in the {@code realm} of {@code www-authenticate}. */
    private static final int MAXIMUM_URI_PATH = 256;

    private final String name;
    private final JwtAuthnConfig config;

    public JwtAuthnFilter(String name, JwtAuthnConfig config) {
        this.name = name;
        this.config = config;
    }

    /**
     * The JWT payloads verified for this request, {@link JwtMetadata#EMPTY} when none was (no token, or no
     * RequestAuthentication on the workload). Authorization reads {@code request.auth.principal} and
     * {@code request.auth.claims} from here.
     */
    public static JwtMetadata metadata(HttpExchange exchange) {
        JwtMetadata m = exchange.filterState(METADATA);
        return m == null ? JwtMetadata.EMPTY : m;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Status onRequest(HttpExchange exchange) {
        FullHttpRequest request = exchange.request();
        if (config.bypassCorsPreflight() && isCorsPreflight(request)) {
            return Status.CONTINUE;
        }
        JwtAuthnConfig.Rule rule = null;
        for (JwtAuthnConfig.Rule r : config.rules()) {
            if (r.matches(request.uri())) {
                rule = r;
                break;
            }
        }
        if (rule == null) {
            return Status.CONTINUE;
        }
        Instant now = exchange.facts().startTime();
        Map<String, JwtRequirements.Verified> verified = new HashMap<>();
        for (JwtAuthnConfig.Provider p : config.providers().values()) {
            verified.put(p.name(), JwtRequirements.verifyProvider(p, request, now));
        }
        JwtStatus status = JwtRequirements.evaluate(rule.requirement(), verified);
        if (status != JwtStatus.OK) {
            deny(exchange, status);
            return Status.STOP;
        }
        JwtMetadata metadata = metadata(exchange);
        for (JwtRequirements.Verified v : verified.values()) {
            if (v.status() == JwtStatus.OK) {
                metadata = onVerified(request.headers(), v, metadata);
            }
        }
        if (!metadata.isEmpty()) {
            exchange.filterState(METADATA, metadata);
        }
        return Status.CONTINUE;
    }

    /** Envoy's {@code handleGoodJwt}: payload header, claim headers, token removal, metadata. */
    private static JwtMetadata onVerified(HttpHeaders headers, JwtRequirements.Verified v, JwtMetadata metadata) {
        JwtAuthnConfig.Provider p = v.provider();
        for (JwtVerifier.Result r : v.results()) {
            if (!p.forwardPayloadHeader().isEmpty()) {
                headers.add(p.forwardPayloadHeader(), r.payloadBase64());
            }
            for (JwtAuthnConfig.ClaimToHeader c : p.claimToHeaders()) {
                String value = claimText(r.payload().get(c.claim()));
                if (value != null && !value.isEmpty()) {
                    headers.add(c.header(), value);
                }
            }
            if (!p.payloadInMetadata().isEmpty()) {
                metadata = metadata.with(p.payloadInMetadata(), r.payload());
            }
        }
        if (!p.forward()) {
            // As Envoy: a token in a header goes with its header; tokens in query parameters and cookies stay.
            v.headersWithTokens().forEach(headers::remove);
        }
        return metadata;
    }

    private static String claimText(Object value) {
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Boolean b) {
            return b.toString();
        }
        if (value instanceof Long || value instanceof Integer) {
            return value.toString();
        }
        if (value instanceof Double d) {
            return d == Math.rint(d) && d >= 0 ? Long.toString(d.longValue()) : String.format("%f", d);
        }
        return null;
    }

    private static void deny(HttpExchange exchange, JwtStatus status) {
        LocalReply reply = new LocalReply(status.httpStatus(), status.text(), null, status.details());
        exchange.outcome().details(reply.details());
        FullHttpResponse response = reply.toResponse(ByteBufAllocator.DEFAULT);
        String challenge = "Bearer realm=\"" + originalUri(exchange.request()) + "\"";
        if (status != JwtStatus.MISSING) {
            challenge += ", error=\"invalid_token\"";
        }
        response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, challenge);
        exchange.respond(response);
    }

    /** Envoy's {@code buildOriginalUri}: forwarded proto, host and the path (at most 256 characters). */
    static String originalUri(FullHttpRequest request) {
        String proto = request.headers().get("x-forwarded-proto", "http");
        String host = request.headers().get(HttpHeaderNames.HOST, "");
        String path = request.headers().get("x-envoy-original-path", request.uri());
        if (path.length() > MAXIMUM_URI_PATH) {
            path = path.substring(0, MAXIMUM_URI_PATH);
        }
        return proto + "://" + host + path;
    }

    private static boolean isCorsPreflight(FullHttpRequest request) {
        HttpHeaders h = request.headers();
        return request.method().equals(HttpMethod.OPTIONS)
                && !h.get(HttpHeaderNames.ORIGIN, "").isEmpty()
                && !h.get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD, "").isEmpty();
    }
}
