package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.config.ResourceKey;
import dev.meshbox.controlplane.security.SecurityOptions;
import dev.meshbox.launcher.admin.AdminServer;
import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.scenarios.KubernetesManifests;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.TrafficDriver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PeerAuthentication end to end on loopback sockets, as Istio's mtls-migration and authn-policy tasks run it:
 * httpbin in the meshed namespaces foo and bar (Service port 8000, container port 8080, as httpbin.yaml today), a
 * meshed sleep, and a "legacy" client without a sidecar (a plain socket to the pod's inbound address). Each table
 * prints {@code legacy to httpbin.foo: 000} where curl prints {@code 000} and exits 56: the connection closed with no
 * byte. Policies are applied and deleted through the control plane's config store while the mesh keeps serving.
 */
class PeerAuthenticationIT {

    private static final String HTTPBIN = """
            apiVersion: v1
            kind: Service
            metadata: {name: httpbin, namespace: NS}
            spec:
              ports:
              - {name: http, port: 8000, targetPort: 8080}
              selector: {app: httpbin}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: httpbin, namespace: NS}
            spec:
              replicas: 1
              selector:
                matchLabels: {app: httpbin}
              template:
                metadata:
                  labels: {app: httpbin, version: v1}
                spec:
                  containers:
                  - name: httpbin
                    image: docker.io/kong/httpbin
                    ports:
                    - containerPort: 8080
            """;

    private static final AtomicInteger RUNS = new AtomicInteger();
    private static LocalMesh mesh;

    @BeforeAll
    static void up() throws Exception {
        List<Scenario.Workload> workloads = new ArrayList<>();
        workloads.add(new Scenario.Builtin("sleep"));
        for (String ns : List.of("foo", "bar")) {
            workloads.add(KubernetesManifests.parse("httpbin-" + ns + ".yaml", HTTPBIN.replace("NS", ns)));
        }
        mesh = LocalMesh.start(
                MeshSpec.of(workloads),
                LocalOptions.isolated(OptionalLong.of(7)).withSecurity(SecurityOptions.DEFAULTS.withAutoMtls(true)),
                new PrintStream(OutputStream.nullOutputStream()));
        mesh.awaitConverged();
    }

    @AfterAll
    static void down() {
        if (mesh != null) {
            mesh.close();
        }
    }

    @AfterEach
    void reset() {
        mesh.resetConfig();
    }

    private static final String FOO_STRICT = pa("foo", "default", "mtls: {mode: STRICT}");
    private static final String MESH_STRICT = pa("istio-system", "default", "mtls: {mode: STRICT}");

    private static String pa(String namespace, String name, String spec) {
        return """
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: %s, namespace: %s}
                spec:
                  %s
                """.formatted(name, namespace, spec.replace("\n", "\n  "));
    }

    @Test
    void mtlsMigrationNamespaceThenMeshStrictRefusesOnlyTheLegacyClient() {
        assertThat(table()).containsExactlyEntriesOf(codes("200", "200", "200", "200"));

        apply(FOO_STRICT);
        assertThat(table()).containsExactlyEntriesOf(codes("200", "200", "000", "200"));

        apply(MESH_STRICT);
        assertThat(table()).containsExactlyEntriesOf(codes("200", "200", "000", "000"));

        delete("foo", "default");
        delete("istio-system", "default");
        assertThat(table()).containsExactlyEntriesOf(codes("200", "200", "200", "200"));
    }

    @Test
    void authnPolicyWorkloadAndPortLevelModesOverTheNamespace() {
        apply(FOO_STRICT);
        apply(pa("bar", "httpbin", "selector: {matchLabels: {app: httpbin}}\nmtls: {mode: STRICT}"));
        assertThat(table()).containsExactlyEntriesOf(codes("200", "200", "000", "000"));

        // portLevelMtls on the container port: plaintext in again there, and auto mTLS talks plaintext to it.
        apply(
                pa(
                        "bar",
                        "httpbin",
                        "selector: {matchLabels: {app: httpbin}}\nmtls: {mode: STRICT}\nportLevelMtls:\n  8080: {mode: DISABLE}"));
        assertThat(table()).containsExactlyEntriesOf(codes("200", "200", "000", "200"));

        // A workload policy beats the namespace's.
        apply(pa("foo", "overwrite-example", "selector: {matchLabels: {app: httpbin}}\nmtls: {mode: DISABLE}"));
        assertThat(table()).containsExactlyEntriesOf(codes("200", "200", "200", "200"));
    }

    @Test
    void aPlaintextConnectionOpenBeforeStrictGetsNoFurtherAnswer() throws Exception {
        InetSocketAddress foo = inbound("foo");
        try (Socket s = new Socket(foo.getAddress(), foo.getPort())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(request("httpbin.foo:8000", true));
            assertThat(statusLine(s.getInputStream())).startsWith("HTTP/1.1 200");
            drain(s.getInputStream());

            apply(FOO_STRICT);

            s.getOutputStream().write(request("httpbin.foo:8000", true));
            assertThat(readAll(s.getInputStream()))
                    .as("bytes answered on the STRICT port")
                    .isEmpty();
        }
    }

    @Test
    void meshboxApplyTakesAPeerAuthenticationAndABadOneLeavesTheLastGoodServing(@TempDir Path dir) throws Exception {
        try (AdminServer admin = new AdminServer(mesh.control(), "127.0.0.1", 0)) {
            String url = "http://127.0.0.1:" + admin.port();
            Path strict = Files.writeString(dir.resolve("foo-strict.yaml"), FOO_STRICT);
            CliIT.Run ok = CliIT.meshbox("apply", "-f", strict.toString(), "--admin", url);
            assertThat(ok.exit()).as(ok.err()).isZero();
            assertThat(ok.out()).contains("peerauthentication.security.istio.io/default (namespace foo) created");
            assertThat(table()).containsExactlyEntriesOf(codes("200", "200", "000", "200"));

            Path bad = Files.writeString(
                    dir.resolve("foo-bad.yaml"),
                    pa("foo", "default", "mtls: {mode: STRICTER}")
                            + "---\n"
                            + pa("bar", "default", "mtls: {mode: STRICT}"));
            CliIT.Run refused = CliIT.meshbox("apply", "-f", bad.toString(), "--admin", url);
            assertThat(refused.exit()).isEqualTo(1);
            assertThat(refused.err())
                    .contains(bad + ": PeerAuthentication foo/default: spec.mtls.mode: must be one of UNSET, DISABLE,"
                            + " PERMISSIVE, STRICT, got \"STRICTER\"")
                    .contains("Nothing was applied; the mesh keeps serving its previous config.");
            assertThat(table())
                    .as("foo stays STRICT, bar's policy in the same file was not applied either")
                    .containsExactlyEntriesOf(codes("200", "200", "000", "200"));
        }
    }

    /** The four cells of the tables: sleep (sidecar) and legacy (no sidecar) to httpbin in foo and bar. */
    private static Map<String, String> codes(String sleepFoo, String sleepBar, String legacyFoo, String legacyBar) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("sleep to httpbin.foo", sleepFoo);
        m.put("sleep to httpbin.bar", sleepBar);
        m.put("legacy to httpbin.foo", legacyFoo);
        m.put("legacy to httpbin.bar", legacyBar);
        return m;
    }

    private static Map<String, String> table() {
        return codes(sleep("foo"), sleep("bar"), legacy("foo"), legacy("bar"));
    }

    private static String sleep(String ns) {
        try {
            TrafficDriver.Result r = new TrafficDriver(mesh)
                    .send(
                            new Scenario.Traffic("sleep", "GET", "http://httpbin." + ns + ":8000/ip", Map.of(), 1, 1),
                            "pa" + RUNS.incrementAndGet(),
                            x -> {})
                    .get(0);
            return String.valueOf(r.status());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** curl's {@code %{http_code}} from a client without a sidecar: 000 when the connection closes unanswered. */
    private static String legacy(String ns) {
        InetSocketAddress to = inbound(ns);
        try (Socket s = new Socket(to.getAddress(), to.getPort())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(request("httpbin." + ns + ":8000", false));
            String status = statusLine(s.getInputStream());
            return status.isEmpty() ? "000" : status.split(" ")[1];
        } catch (SocketException e) {
            return "000"; // reset by peer: curl's exit 56
        } catch (IOException e) {
            throw new AssertionError("legacy to httpbin." + ns + ": " + e, e);
        }
    }

    /** Where httpbin's sidecar takes inbound traffic in {@code ns}: the pod IP and the container port. */
    private static InetSocketAddress inbound(String ns) {
        LocalMesh.RunningPod pod = mesh.pods().stream()
                .filter(p -> p.pod().namespace().equals(ns)
                        && "httpbin".equals(p.pod().labels().get("app")))
                .findFirst()
                .orElseThrow();
        return new InetSocketAddress(pod.pod().ip(), 8080);
    }

    private static byte[] request(String host, boolean keepAlive) {
        return ("GET /ip HTTP/1.1\r\nHost: " + host + "\r\n" + (keepAlive ? "" : "Connection: close\r\n") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** The status line, or "" when the connection closed before one byte came. */
    private static String statusLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            line.append((char) c);
        }
        return line.toString().trim();
    }

    /** Reads the rest of one response with a Content-Length body. */
    private static void drain(InputStream in) throws IOException {
        int length = 0;
        String header;
        while (!(header = statusLine(in)).isEmpty()) {
            if (header.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(header.substring(15).trim());
            }
        }
        in.readNBytes(length);
    }

    private static String readAll(InputStream in) throws IOException {
        try {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (SocketException e) {
            return "";
        }
    }

    private static void apply(String yaml) {
        var outcome = mesh.apply(List.of(new MeshAccess.ConfigText("pa.yaml", yaml)));
        assertThat(outcome.problems()).isEmpty();
    }

    private static void delete(String namespace, String name) {
        var outcome = mesh.control().delete(List.of(new ResourceKey("PeerAuthentication", namespace, name)));
        assertThat(outcome.problems()).isEmpty();
    }
}
