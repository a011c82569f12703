package dev.meshbox.webui;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.NotFoundResponse;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MeshBox web UI: one page (HTML, CSS, JS and SVG from this jar, no CDN) over the REST API under {@code /api}
 * that {@link Api} serves. Binds loopback only. Start it beside a running mesh with {@link #start}; close it before
 * the mesh.
 */
public final class WebUi implements AutoCloseable {

    /** Kiali's port. */
    public static final int DEFAULT_PORT = 20001;

    /**
     * @param host        where to bind; loopback, since the UI can change the mesh's config
     * @param port        0 for an ephemeral port
     * @param scenarioDir the user's scenario files, listed beside the built-in ones, when present
     */
    public record Options(String host, int port, Optional<Path> scenarioDir) {
        public static Options loopback(int port, Optional<Path> scenarioDir) {
            return new Options("127.0.0.1", port, scenarioDir);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(WebUi.class);

    private final Javalin app;
    private final Api api;

    private WebUi(Javalin app, Api api) {
        this.app = app;
        this.api = api;
    }

    /** Starts the server; a port already taken is an {@link IllegalStateException} that says so. */
    public static WebUi start(UiMesh mesh, Options options) {
        Api api = new Api(mesh, options.scenarioDir());
        ObjectMapper json = new ObjectMapper();
        QueuedThreadPool pool = new QueuedThreadPool(16, 2);
        pool.setName("meshbox-ui");
        pool.setDaemon(true);
        Javalin app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.startup.startupWatcherEnabled = false;
            cfg.jetty.threadPool = pool;
            cfg.jsonMapper(new JavalinJackson(json, false));
            // -Dmeshbox.ui.assets=web-ui/src/main/resources/dev/meshbox/webui/public serves the page from the source
            // tree, so editing the UI needs only a reload; otherwise the page comes from this jar.
            String assets = System.getProperty("meshbox.ui.assets");
            if (assets != null) {
                cfg.staticFiles.add(sf -> {
                    sf.hostedPath = "/";
                    sf.directory = assets;
                    sf.location = Location.EXTERNAL;
                    sf.headers = Map.of("Cache-Control", "no-cache");
                });
            } else {
                bundledAssets(cfg.routes);
            }
            api.routes(cfg.routes);
            cfg.routes.exception(ApiException.class, (e, ctx) -> error(ctx, e.status(), e.getMessage()));
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                LOG.warn("{} {} failed", ctx.method(), ctx.path(), e);
                error(ctx, 500, e.getMessage() == null ? e.toString() : e.getMessage());
            });
        });
        try {
            app.start(options.host(), options.port());
        } catch (RuntimeException e) {
            app.stop();
            api.close();
            throw new IllegalStateException(
                    "cannot start the web UI on " + options.host() + ":" + options.port() + " (" + rootMessage(e)
                            + "); is another MeshBox or Kiali using it? Choose another port with --ui-port, or --ui-port 0 to start without the UI",
                    e);
        }
        api.start();
        return new WebUi(app, api);
    }

    private static final String BUNDLED = "/dev/meshbox/webui/public/";
    private static final Map<String, String> CONTENT_TYPES = Map.of(
            "html",
            "text/html; charset=utf-8",
            "css",
            "text/css; charset=utf-8",
            "js",
            "text/javascript; charset=utf-8",
            "svg",
            "image/svg+xml");

    /**
     * The page's files, read from the class path. Javalin's class-path static files would mount the whole jar as a zip
     * file system first: for MeshBox's shaded jar (60 000 entries) about a second of CPU, spent just when the mesh
     * serves its first requests.
     */
    private static void bundledAssets(RoutesConfig routes) {
        routes.get("/", ctx -> asset(ctx, "index.html"));
        routes.get("/{file}", ctx -> asset(ctx, ctx.pathParam("file")));
    }

    private static void asset(Context ctx, String file) throws java.io.IOException {
        // One plain file name of this folder, nothing that could reach beyond it.
        String type = file.matches("[A-Za-z0-9_-]+\\.[a-z]+")
                ? CONTENT_TYPES.get(file.substring(file.lastIndexOf('.') + 1))
                : null;
        java.io.InputStream in = type == null ? null : WebUi.class.getResourceAsStream(BUNDLED + file);
        if (in == null) {
            throw new NotFoundResponse();
        }
        try (in) {
            ctx.header("Cache-Control", "no-cache").contentType(type).result(in.readAllBytes());
        }
    }

    static void error(Context ctx, int status, String message) {
        ctx.status(status).json(Map.of("error", message, "status", status));
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    public int port() {
        return app.port();
    }

    /** {@code http://127.0.0.1:20001}. */
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    @Override
    public void close() {
        api.close();
        app.stop();
    }
}
