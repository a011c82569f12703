package dev.meshbox.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.meshbox.controlplane.testing.BookinfoFixture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A jwksUri whose server answers late: the control plane keeps trying in the background and rebuilds once it does. */
class JwksRefreshTest {

    private final ControlPlane cp = new ControlPlane();
    private HttpServer server;

    @AfterEach
    void close() {
        cp.close();
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void theMeshIsRebuiltWithTheKeysOnceTheJwksServerAnswers() throws Exception {
        AtomicBoolean up = new AtomicBoolean(false);
        byte[] jwks = "{\"keys\":[]}".getBytes(StandardCharsets.UTF_8);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/jwks.json", exchange -> {
            exchange.sendResponseHeaders(up.get() ? 200 : 503, up.get() ? jwks.length : -1);
            if (up.get()) {
                exchange.getResponseBody().write(jwks);
            }
            exchange.close();
        });
        server.start();
        String uri = "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json";
        BookinfoFixture.registry().snapshot().services().values().forEach(cp.registry()::putService);
        BookinfoFixture.registry().snapshot().pods().values().forEach(cp.registry()::putPod);
        cp.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));

        assertThat(cp.config().apply("jwt.yaml", """
                                apiVersion: security.istio.io/v1
                                kind: RequestAuthentication
                                metadata: {name: jwt, namespace: istio-system}
                                spec:
                                  jwtRules: [{issuer: a, jwksUri: '%s'}]
                                """.formatted(uri)).ok()).isTrue();
        assertThat(cp.warnings()).anyMatch(w -> w.contains("could not be fetched"));

        up.set(true);
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (!cp.warnings().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(cp.warnings()).as("rebuilt once the JWKS was fetched").isEmpty();
    }
}
