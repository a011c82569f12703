package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.controlplane.security.ExtAuthzProvider;
import dev.meshbox.controlplane.security.MeshConfigFile;
import dev.meshbox.controlplane.security.SecurityOptions;
import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.TrafficDriver;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Istio's authz-custom task on a loopback mesh: the mesh config names an HTTP external authorizer (a loopback server
 * the test runs, answering as Istio's ext-authz sample: allowed only with {@code x-ext-authz: allow}), and a CUSTOM
 * AuthorizationPolicy on httpbin's {@code /headers} sends those requests to it; {@code /ip} is not checked.
 */
class CustomAuthorizationIT {

    private static final String DENIED = "denied by ext_authz for not found header `x-ext-authz: allow` in the request";
    private static final AtomicInteger RUNS = new AtomicInteger();
    private static final AtomicInteger CHECKS = new AtomicInteger();
    private static LocalMesh mesh;
    private static HttpServer authorizer;

    @BeforeAll
    static void up() throws Exception {
        authorizer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        authorizer.createContext("/", exchange -> {
            CHECKS.incrementAndGet();
            boolean allow = "allow".equals(exchange.getRequestHeaders().getFirst("x-ext-authz"));
            byte[] body = (allow ? "" : DENIED).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("x-ext-authz-check-result", allow ? "allowed" : "denied");
            exchange.sendResponseHeaders(allow ? 200 : 403, body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        authorizer.start();
        int port = authorizer.getAddress().getPort();
        List<ExtAuthzProvider> providers = MeshConfigFile.extensionProviders("mesh.yaml", """
                extensionProviders:
                - name: sample-ext-authz-http
                  envoyExtAuthzHttp:
                    service: ext-authz.default.svc.cluster.local
                    port: %d
                    includeRequestHeadersInCheck: ["x-ext-authz"]
                    headersToUpstreamOnAllow: ["x-ext-authz-check-result"]
                """.formatted(port));
        mesh = LocalMesh.start(
                MeshSpec.of(List.of(new Scenario.Builtin("sleep"), new Scenario.Builtin("httpbin"))),
                LocalOptions.isolated(OptionalLong.of(3))
                        .withSecurity(SecurityOptions.DEFAULTS.withExtensionProviders(providers)),
                new PrintStream(OutputStream.nullOutputStream()));
        // The authorizer runs outside the mesh, as a pod without a sidecar behind the service ext-authz.
        mesh.controlPlane()
                .registry()
                .putService(new MeshService(
                        "ext-authz", "default", List.of(ServicePort.http(port)), Map.of("app", "ext-authz")));
        mesh.controlPlane()
                .registry()
                .putPod(new Pod(
                        "ext-authz-1",
                        "default",
                        "127.0.0.1",
                        "127.0.0.1",
                        Map.of("app", "ext-authz"),
                        Pod.ProxyKind.NONE,
                        true));
        mesh.awaitConverged();
        MeshAccess.ApplyOutcome applied = mesh.apply(List.of(new MeshAccess.ConfigText("ext-authz.yaml", """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: ext-authz, namespace: default}
                spec:
                  selector:
                    matchLabels: {app: httpbin}
                  action: CUSTOM
                  provider: {name: sample-ext-authz-http}
                  rules:
                  - to:
                    - operation: {paths: ["/headers"]}
                """)));
        assertThat(applied.problems()).isEmpty();
    }

    @AfterAll
    static void down() {
        if (mesh != null) {
            mesh.close();
        }
        if (authorizer != null) {
            authorizer.stop(0);
        }
    }

    @Test
    void withoutTheAllowHeaderTheAuthorizersDenialReachesTheCaller() {
        TrafficDriver.Result r = get("/headers", Map.of("x-ext-authz", "deny"));

        assertThat(r.status()).as(r.body()).isEqualTo(403);
        assertThat(r.body()).isEqualTo(DENIED);
    }

    @Test
    void withTheAllowHeaderTheRequestReachesHttpbinWithTheCheckResult() {
        TrafficDriver.Result r = get("/headers", Map.of("x-ext-authz", "allow"));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"X-Ext-Authz-Check-Result\":\"allowed\"");
    }

    @Test
    void aPathTheCustomRuleDoesNotMatchIsNeverChecked() {
        int before = CHECKS.get();

        TrafficDriver.Result r = get("/ip", Map.of("x-ext-authz", "deny"));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(CHECKS.get()).isEqualTo(before);
    }

    private static TrafficDriver.Result get(String path, Map<String, String> headers) {
        try {
            return new TrafficDriver(mesh)
                    .send(
                            new Scenario.Traffic("sleep", "GET", "http://httpbin:8000" + path, headers, 1, 1),
                            "extauthz" + RUNS.incrementAndGet(),
                            x -> {})
                    .get(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
