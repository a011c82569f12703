package dev.meshbox.bookinfo.echo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.bookinfo.http.AnyMethod;
import dev.meshbox.bookinfo.http.AppIdentity;
import dev.meshbox.bookinfo.http.Delays;
import dev.meshbox.bookinfo.http.HeaderNames;
import dev.meshbox.bookinfo.http.JsonReplies;
import dev.meshbox.bookinfo.http.RequestLog;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Answers every method on every path with who it is and what it received, so a test can see which version
 * and pod the mesh picked and which headers arrived:
 * {@code {"service", "version", "pod", "namespace", "request": {"method", "path", "query", "host", "headers",
 * "body"}}} plus the headers {@code x-echo-version} and {@code x-echo-pod}. {@link EchoFaults} decides each
 * request's latency and injected error; {@code POST /__meshbox/behaviour} changes them while it runs.
 */
public final class EchoApp {
    static final String VERSION_HEADER = "x-echo-version";
    static final String POD_HEADER = "x-echo-pod";
    static final String INJECTED_ERROR = "injected by echo";

    private final AppIdentity app;
    private final EchoFaults faults;
    private final RequestLog log;
    private final Delays delays;
    private final ObjectMapper json;
    private final JsonReplies replies;

    public EchoApp(AppIdentity app, EchoFaults faults, RequestLog log, Delays delays, ObjectMapper json) {
        this.app = Objects.requireNonNull(app, "app");
        this.faults = Objects.requireNonNull(faults, "faults");
        this.log = Objects.requireNonNull(log, "log");
        this.delays = Objects.requireNonNull(delays, "delays");
        this.json = Objects.requireNonNull(json, "json");
        this.replies = new JsonReplies(json);
    }

    /** The control routes come first: Javalin serves a request with the first route that matches it. */
    public void routes(RoutesConfig routes) {
        log.install(routes, replies);
        routes.get(RequestLog.CONTROL_PREFIX + "behaviour", ctx -> replies.send(ctx, 200, faults.state()));
        routes.post(RequestLog.CONTROL_PREFIX + "behaviour", this::changeBehaviour);
        AnyMethod.route(routes, "/", this::echo);
        AnyMethod.route(routes, "/*", this::echo);
    }

    private void changeBehaviour(Context ctx) {
        try {
            BehaviourChange change = BehaviourChange.parse(json.readTree(ctx.body()));
            replies.send(ctx, 200, faults.change(change));
        } catch (JsonProcessingException e) {
            replies.send(ctx, 400, Map.of("error", "behaviour: not JSON: " + e.getOriginalMessage()));
        } catch (EchoBehaviour.InvalidBehaviour e) {
            String where = e.field().isEmpty() ? "behaviour" : "behaviour." + e.field();
            replies.send(ctx, 400, Map.of("error", where + ": " + e.expectation()));
        }
    }

    private void echo(Context ctx) {
        if (RequestLog.isControl(ctx)) {
            replies.send(
                    ctx,
                    404,
                    Map.of("error", "no MeshBox endpoint " + ctx.method().name() + " " + ctx.path()));
            return;
        }
        EchoFaults.Outcome outcome = faults.next();
        Map<String, Object> body = new LinkedHashMap<>();
        if (outcome.injected()) {
            body.put("error", INJECTED_ERROR);
        }
        body.put("service", app.service());
        body.put("version", app.version());
        body.put("pod", app.podName());
        body.put("namespace", app.namespace());
        body.put("request", request(ctx));
        ctx.header(VERSION_HEADER, app.version()).header(POD_HEADER, app.podName());
        if (outcome.latency().isZero()) {
            replies.send(ctx, outcome.status(), body);
        } else {
            ctx.future(() -> delays.after(outcome.latency()).thenRun(() -> replies.send(ctx, outcome.status(), body)));
        }
    }

    private static Map<String, Object> request(Context ctx) {
        String query = ctx.queryString();
        String host = ctx.header("Host");
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("method", ctx.method().name());
        request.put("path", ctx.path());
        request.put("query", query == null ? "" : query);
        request.put("host", host == null ? "" : host);
        request.put("headers", HeaderNames.of(ctx.req(), HeaderNames::lowerCase));
        request.put("body", ctx.body());
        return request;
    }
}
