package dev.meshbox.bookinfo.httpbin;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.meshbox.bookinfo.http.AnyMethod;
import dev.meshbox.bookinfo.http.Delays;
import dev.meshbox.bookinfo.http.HeaderNames;
import dev.meshbox.bookinfo.http.JsonReplies;
import dev.meshbox.bookinfo.http.RequestLog;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The httpbin endpoints Istio's tasks use, with httpbin's response shapes: header names in Canonical-Case,
 * {@code args} values a string (a list when a name repeats), {@code origin} the X-Forwarded-For header when
 * present, else the peer's address. It calls no other service.
 */
public final class HttpbinApp {
    static final Duration MAX_DELAY = Duration.ofSeconds(10);
    private static final int MIN_STATUS = 200;
    private static final int MAX_STATUS = 599;

    private final RequestLog log;
    private final Delays delays;
    private final JsonReplies replies;
    private final ObjectReader strictJson;

    public HttpbinApp(RequestLog log, Delays delays, ObjectMapper json) {
        this.log = Objects.requireNonNull(log, "log");
        this.delays = Objects.requireNonNull(delays, "delays");
        this.replies = new JsonReplies(json);
        this.strictJson = json.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    public void routes(RoutesConfig routes) {
        log.install(routes, replies);
        routes.get("/", this::health);
        routes.get("/health", this::health);
        routes.get("/get", ctx -> replies.send(ctx, 200, get(ctx)));
        routes.get("/headers", ctx -> replies.send(ctx, 200, Map.of("headers", headers(ctx))));
        routes.get("/ip", ctx -> replies.send(ctx, 200, Map.of("origin", origin(ctx))));
        AnyMethod.route(routes, "/status/{code}", this::status);
        AnyMethod.route(routes, "/delay/{seconds}", this::delay);
        // httpbin's method endpoints (Istio's authz-deny task POSTs to /post): what /anything says, bar the method.
        routes.post("/post", ctx -> replies.send(ctx, 200, echo(ctx, false)));
        routes.put("/put", ctx -> replies.send(ctx, 200, echo(ctx, false)));
        routes.patch("/patch", ctx -> replies.send(ctx, 200, echo(ctx, false)));
        routes.delete("/delete", ctx -> replies.send(ctx, 200, echo(ctx, false)));
        AnyMethod.route(routes, "/anything", this::anything);
        AnyMethod.route(routes, "/anything/<path>", this::anything);
    }

    private void health(Context ctx) {
        replies.send(ctx, 200, Map.of("status", "httpbin is healthy"));
    }

    private void status(Context ctx) {
        String code = ctx.pathParam("code");
        int status;
        try {
            status = Integer.parseInt(code);
        } catch (NumberFormatException e) {
            status = -1;
        }
        if (status < MIN_STATUS || status > MAX_STATUS) {
            replies.send(
                    ctx,
                    400,
                    Map.of("error", "status code: must be " + MIN_STATUS + ".." + MAX_STATUS + ", got '" + code + "'"));
            return;
        }
        ctx.status(status);
        if (status == 418) {
            // httpbin's teapot, which Istio's ingress tasks look for ("-=[ teapot ]=-").
            ctx.header("x-more-info", "http://tools.ietf.org/html/rfc2324");
            ctx.result(TEAPOT);
        }
    }

    private static final String TEAPOT = """

                -=[ teapot ]=-

                   _...._
                 .'  _ _ `.
                | ."` ^ `". _,
                \\_;`"---"`|//
                  |       ;/
                  \\_     _/
                    `\"\"\"`
            """;

    /** Waits on a timer, not on a Jetty thread, so twenty slow requests do not starve the pool. */
    private void delay(Context ctx) {
        String text = ctx.pathParam("seconds");
        double seconds;
        try {
            seconds = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            seconds = Double.NaN;
        }
        if (!(seconds >= 0)) {
            replies.send(ctx, 400, Map.of("error", "delay: must be a number of seconds >= 0, got '" + text + "'"));
            return;
        }
        Duration wait = Duration.ofMillis(Math.round(Math.min(seconds, MAX_DELAY.toSeconds()) * 1000));
        Map<String, Object> body = get(ctx);
        ctx.future(() -> delays.after(wait).thenRun(() -> replies.send(ctx, 200, body)));
    }

    private void anything(Context ctx) {
        replies.send(ctx, 200, echo(ctx, true));
    }

    /** The request as httpbin echoes it: args, body (data, form, json), headers, origin, url, and the method if asked. */
    private Map<String, Object> echo(Context ctx, boolean withMethod) {
        String data = ctx.body();
        boolean isForm = ctx.isFormUrlencoded();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("args", args(ctx.queryString()));
        body.put("data", isForm ? "" : data);
        body.put("files", Map.of());
        body.put("form", isForm ? args(data) : Map.of());
        body.put("headers", headers(ctx));
        body.put("json", parseJson(data));
        if (withMethod) {
            body.put("method", ctx.method().name());
        }
        body.put("origin", origin(ctx));
        body.put("url", url(ctx));
        return body;
    }

    private Map<String, Object> get(Context ctx) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("args", args(ctx.queryString()));
        body.put("headers", headers(ctx));
        body.put("origin", origin(ctx));
        body.put("url", url(ctx));
        return body;
    }

    private static Map<String, String> headers(Context ctx) {
        return HeaderNames.of(ctx.req(), HeaderNames::canonical);
    }

    private static String origin(Context ctx) {
        String forwardedFor = ctx.header("X-Forwarded-For");
        return forwardedFor != null ? forwardedFor : ctx.req().getRemoteAddr();
    }

    /** The URL as the client wrote it, rebuilt from the Host header, which the mesh may have rewritten. */
    private static String url(Context ctx) {
        String host = ctx.header("Host");
        if (host == null) {
            host = ctx.req().getLocalAddr() + ":" + ctx.req().getLocalPort();
        }
        String query = ctx.queryString();
        return "http://" + host + ctx.path() + (query == null || query.isEmpty() ? "" : "?" + query);
    }

    /** {@code a=1&b=2&b=3} as {@code {"a": "1", "b": ["2", "3"]}}, sorted by name. */
    static Map<String, Object> args(String encoded) {
        Map<String, List<String>> values = new TreeMap<>();
        if (encoded != null) {
            for (String pair : encoded.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                values.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
            }
        }
        Map<String, Object> args = new LinkedHashMap<>();
        values.forEach((name, list) -> args.put(name, list.size() == 1 ? list.get(0) : List.copyOf(list)));
        return args;
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return text;
        }
    }

    private JsonNode parseJson(String data) {
        if (data.isBlank()) {
            return null;
        }
        try {
            return strictJson.readTree(data);
        } catch (IOException e) {
            return null;
        }
    }
}
