package dev.meshbox.bookinfo;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.bookinfo.echo.EchoApp;
import dev.meshbox.bookinfo.echo.EchoBehaviour;
import dev.meshbox.bookinfo.echo.EchoFaults;
import dev.meshbox.bookinfo.http.Delays;
import dev.meshbox.bookinfo.http.RequestLog;
import dev.meshbox.bookinfo.httpbin.HttpbinApp;
import java.time.Clock;
import java.util.Objects;

/**
 * Workloads for mesh tests beside Bookinfo: httpbin, as Istio's traffic-management tasks use it, and a
 * configurable echo app. Like {@link BookinfoApps}, each call returns an unstarted {@link Workload}; neither
 * app calls another service, so {@code ctx.outboundProxy()} is unused. Both record what they receive on
 * {@code GET /__meshbox/requests}.
 */
public final class TestApps {
    /** Istio's httpbin sample listens here; its Service maps port 8000 to it. */
    public static final int HTTPBIN_CONTAINER_PORT = 8080;

    private TestApps() {}

    /**
     * The test app for {@code ctx.service()}: only {@code httpbin} has one, since echo needs a behaviour.
     *
     * @throws IllegalArgumentException naming the service otherwise
     */
    public static Workload create(AppContext ctx) {
        if (!ctx.service().equals("httpbin")) {
            throw new IllegalArgumentException("no test app for service '" + ctx.service()
                    + "': expected httpbin (TestApps.echo serves any other name)");
        }
        return httpbin(ctx);
    }

    /** httpbin, any version; it answers on {@code ctx.listen()} (8080 in Istio's sample). */
    public static Workload httpbin(AppContext ctx) {
        Delays delays = new Delays(ctx.podName());
        HttpbinApp app = new HttpbinApp(requestLog(ctx), delays, new ObjectMapper());
        return new JavalinWorkload(ctx, app::routes, delays::close);
    }

    /**
     * A stand-in for {@code edition.cnn.com} outside the mesh, for Istio's egress tasks without the internet: it
     * answers every plain HTTP request with {@code 301 Moved Permanently} to the https URL of the same host and path
     * ({@code location: https://edition.cnn.com/politics}), as the site does; HTTPS on the pod's 8443 ({@link
     * CnnHttps}) answers 200 with a test certificate for the name.
     */
    public static Workload cnn(AppContext ctx) {
        RequestLog log = requestLog(ctx);
        CnnHttps https = CnnHttps.start(ctx.listen().getAddress());
        return new JavalinWorkload(
                ctx,
                routes -> {
                    log.install(routes, new dev.meshbox.bookinfo.http.JsonReplies(new ObjectMapper()));
                    dev.meshbox.bookinfo.http.AnyMethod.route(routes, "/", TestApps::toHttps);
                    dev.meshbox.bookinfo.http.AnyMethod.route(routes, "/<path>", TestApps::toHttps);
                },
                https::close);
    }

    private static void toHttps(io.javalin.http.Context ctx) {
        String host = ctx.host() == null ? "edition.cnn.com" : ctx.host().replaceFirst(":\\d+$", "");
        String query = ctx.queryString();
        ctx.header("location", "https://" + host + ctx.path() + (query == null ? "" : "?" + query));
        ctx.status(301);
    }

    /**
     * Istio's helloworld sample ({@code samples/helloworld/src/app.py}) without its CPU burn: {@code GET /hello} answers
     * {@code Hello version: <version>, instance: <pod name>} and a newline, {@code GET /health} answers
     * {@code Helloworld is healthy}; it listens on 5000 in the sample.
     */
    public static Workload helloworld(AppContext ctx) {
        RequestLog log = requestLog(ctx);
        String hello = "Hello version: " + ctx.version() + ", instance: " + ctx.podName() + "\n";
        return new JavalinWorkload(ctx, routes -> {
            log.install(routes, new dev.meshbox.bookinfo.http.JsonReplies(new ObjectMapper()));
            routes.get("/hello", c -> c.contentType("text/html; charset=utf-8").result(hello));
            routes.get("/health", c -> c.contentType("text/html; charset=utf-8").result("Helloworld is healthy"));
        });
    }

    /** An echo app for any service name and version, misbehaving as {@code behaviour} says until changed. */
    public static Workload echo(AppContext ctx, EchoBehaviour behaviour) {
        Objects.requireNonNull(behaviour, "behaviour");
        Delays delays = new Delays(ctx.podName());
        EchoApp app =
                new EchoApp(ctx.identity(), new EchoFaults(behaviour), requestLog(ctx), delays, new ObjectMapper());
        return new JavalinWorkload(ctx, app::routes, delays::close);
    }

    /**
     * The gRPC echo app for any service name and version ({@code meshbox.echo.Echo/Say} on {@code ctx.listen()},
     * plaintext HTTP/2): name its Service port {@code grpc-...} (or {@code appProtocol: grpc}) so the mesh speaks
     * HTTP/2 to it.
     */
    public static Workload grpcEcho(AppContext ctx) {
        dev.meshbox.bookinfo.grpcecho.GrpcEchoApp app =
                new dev.meshbox.bookinfo.grpcecho.GrpcEchoApp(ctx.identity(), ctx.listen());
        return new Workload() {
            @Override
            public void start() {
                app.start();
            }

            @Override
            public java.net.InetSocketAddress address() {
                return app.address();
            }

            @Override
            public void close() {
                app.close();
            }

            @Override
            public String toString() {
                return "grpc echo " + ctx.service() + " " + ctx.version();
            }
        };
    }

    /**
     * Istio's tcp-echo server for {@code ctx.version()}: each line sent to {@code ctx.listen()} comes back prefixed
     * {@code one} (v1) or {@code two} (v2), as the sample's deployments answer.
     */
    public static Workload tcpEcho(AppContext ctx) {
        dev.meshbox.bookinfo.tcpecho.TcpEchoApp app = new dev.meshbox.bookinfo.tcpecho.TcpEchoApp(
                dev.meshbox.bookinfo.tcpecho.TcpEchoApp.prefixOf(ctx.version()), java.util.List.of(ctx.listen()));
        return new Workload() {
            @Override
            public void start() {
                app.start();
            }

            @Override
            public java.net.InetSocketAddress address() {
                return app.address();
            }

            @Override
            public void close() {
                app.close();
            }

            @Override
            public String toString() {
                return "tcp echo " + ctx.service() + " " + ctx.version();
            }
        };
    }

    private static RequestLog requestLog(AppContext ctx) {
        return new RequestLog(ctx.identity(), RequestLog.DEFAULT_CAPACITY, Clock.systemUTC());
    }
}
