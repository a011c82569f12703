package dev.meshbox.bookinfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Every Bookinfo app on an ephemeral loopback port, all sending their outbound calls through one
 * {@link StandInSidecar}. Reviews starts routed to v1, as after Istio's virtual-service-all-v1.
 *
 * <p>A test class gets one with {@code @ExtendWith(TestMesh.PerClass.class)} and a {@code TestMesh} constructor
 * parameter: started before its first test, reset before each, closed after its last.
 */
final class TestMesh implements AutoCloseable {

    /** One mesh per test class, reset before each test and closed with the class. */
    static final class PerClass implements ParameterResolver, BeforeEachCallback {
        private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(TestMesh.class);

        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            return parameter.getParameter().getType() == TestMesh.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            return mesh(context);
        }

        @Override
        public void beforeEach(ExtensionContext context) {
            mesh(context).reset();
        }

        /** The class's mesh, kept in the class's store, which JUnit closes (AutoCloseable) when the class is done. */
        private static TestMesh mesh(ExtensionContext context) {
            ExtensionContext owner = context;
            while (owner.getTestMethod().isPresent()) {
                owner = owner.getParent().orElseThrow();
            }
            return owner.getStore(NAMESPACE).getOrComputeIfAbsent(TestMesh.class, k -> start(), TestMesh.class);
        }
    }

    private static final String[][] APPS = {
        {"productpage", "v1"}, {"details", "v1"}, {"ratings", "v1"},
        {"reviews", "v1"}, {"reviews", "v2"}, {"reviews", "v3"}
    };

    final StandInSidecar sidecar;
    private final Map<String, Workload> apps = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    private TestMesh(StandInSidecar sidecar) {
        this.sidecar = sidecar;
    }

    static TestMesh start() {
        TestMesh mesh;
        try {
            mesh = new TestMesh(StandInSidecar.start());
        } catch (IOException e) {
            throw new UncheckedIOException("the stand-in sidecar did not start", e);
        }
        try {
            for (String[] app : APPS) {
                Workload workload = BookinfoApps.create(context(app[0], app[1], mesh.sidecar.address()));
                mesh.apps.put(app[0] + "-" + app[1], workload);
                workload.start();
            }
        } catch (RuntimeException e) {
            mesh.close();
            throw e;
        }
        mesh.sidecar.route("details", mesh.app("details", "v1").address());
        mesh.sidecar.route("ratings", mesh.app("ratings", "v1").address());
        mesh.routeReviewsTo("v1");
        return mesh;
    }

    static AppContext context(String service, String version, InetSocketAddress proxy) {
        return new AppContext(
                service,
                version,
                service + "-" + version + "-test",
                "default",
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                proxy);
    }

    Workload app(String service, String version) {
        return apps.get(service + "-" + version);
    }

    void routeReviewsTo(String version) {
        sidecar.route("reviews", app("reviews", version).address());
    }

    /** Resets faults and recorded requests and routes reviews back to v1. */
    void reset() {
        sidecar.reset();
        routeReviewsTo("v1");
    }

    HttpResponse<String> get(Workload app, String path, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(app, path)).timeout(Duration.ofSeconds(15));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send(request.GET().build());
    }

    HttpResponse<String> postForm(Workload app, String path, String form) {
        return send(HttpRequest.newBuilder(uri(app, path))
                .timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build());
    }

    HttpResponse<String> page(String... headers) {
        return get(app("productpage", "v1"), "/productpage", headers);
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError(request.uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    static URI uri(Workload app, String path) {
        InetSocketAddress a = app.address();
        return URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + path);
    }

    @Override
    public void close() {
        apps.values().forEach(Workload::close);
        try {
            sidecar.close();
        } catch (IOException e) {
            throw new UncheckedIOException("the stand-in sidecar did not close", e);
        }
    }
}
