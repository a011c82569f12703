package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.launcher.admin.AdminServer;
import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.scenarios.Scenario;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI as a user runs it: exit codes, messages naming the file and the problem, and the canary scenario. */
class CliIT {

    record Run(int exit, String out, String err) {}

    static Run meshbox(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit = Main.execute(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void helpListsTheCommands() {
        Run r = meshbox("--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("up", "apply", "run");
    }

    @Test
    void kubernetesBackendMistakesAreNamedBeforeAnythingStarts(@TempDir Path dir) throws Exception {
        Run missing = meshbox(
                "run",
                "--backend",
                "kubernetes",
                "--kubeconfig",
                dir.resolve("nope.kubeconfig").toString(),
                "--image",
                "registry.example.com/meshbox:1",
                "../scenarios/canary-90-10.yaml");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("--kubeconfig").contains("nope.kubeconfig: no such file");

        Path unreachable = dir.resolve("down.kubeconfig");
        java.nio.file.Files.writeString(unreachable, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: down
                  cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}
                users:
                - name: dev
                  user: {token: abc}
                contexts:
                - name: down
                  context: {cluster: down, user: dev}
                current-context: down
                """);
        Run down = meshbox(
                "run",
                "--backend",
                "kubernetes",
                "--kubeconfig",
                unreachable.toString(),
                "--image",
                "registry.example.com/meshbox:1",
                "../scenarios/canary-90-10.yaml");
        assertThat(down.exit()).isEqualTo(1);
        assertThat(down.err())
                .contains("cannot reach the Kubernetes API to read the server version")
                .contains("nothing was created");

        Run misplaced = meshbox(
                "run", "--backend", "docker", "--kubeconfig", unreachable.toString(), "../scenarios/canary-90-10.yaml");
        assertThat(misplaced.exit()).isEqualTo(2);
        assertThat(misplaced.err()).contains("--kubeconfig is for --backend kubernetes");
    }

    @Test
    void applyOfAMissingFileNamesItAndExits2() {
        Run r = meshbox("apply", "-f", "no-such-file.yaml");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("no-such-file.yaml: no such file");
    }

    @Test
    void applyToARunningMeshReportsChangesAndRejectsBadYaml(@TempDir Path dir) throws Exception {
        try (LocalMesh mesh = LocalMesh.start(
                        MeshSpec.bookinfo(),
                        LocalOptions.isolated(OptionalLong.empty()),
                        new PrintStream(OutputStream.nullOutputStream()));
                AdminServer admin = new AdminServer(mesh.control(), "127.0.0.1", 0)) {
            String url = "http://127.0.0.1:" + admin.port();
            Path good = Files.writeString(
                    dir.resolve("reviews-v3.yaml"),
                    Files.readString(Pages.projectFixtures().resolve("virtual-service-reviews-v3.yaml")));
            Path rules = Files.writeString(
                    dir.resolve("rules.yaml"),
                    Files.readString(Pages.projectFixtures().resolve("destination-rule-all.yaml")));
            Run ok = meshbox("apply", "-f", rules.toString(), "-f", good.toString(), "--admin", url);
            assertThat(ok.exit()).as(ok.err()).isZero();
            assertThat(ok.out())
                    .contains(
                            "virtualservice.networking.istio.io/reviews created",
                            "destinationrule.networking.istio.io/reviews created");

            Path malformed = Files.writeString(
                    dir.resolve("malformed.yaml"), "apiVersion: networking.istio.io/v1\nkind: [VirtualService\n");
            Run bad = meshbox("apply", "-f", malformed.toString(), "--admin", url);
            assertThat(bad.exit()).isEqualTo(1);
            assertThat(bad.err())
                    .contains("malformed.yaml")
                    .contains("is not valid YAML")
                    .contains("line ");

            Path unknown = Files.writeString(dir.resolve("unknown.yaml"), """
                    apiVersion: networking.istio.io/v1
                    kind: WorkloadGroup
                    metadata: {name: external}
                    spec: {metadata: {labels: {app: external}}}
                    """);
            Run kind = meshbox("apply", "-f", unknown.toString(), "--admin", url);
            assertThat(kind.exit()).isEqualTo(1);
            assertThat(kind.err())
                    .contains("unknown.yaml: WorkloadGroup default/external: kind: unknown kind \"WorkloadGroup\"");
            // The API itself answers malformed requests with the field, never a server error.
            java.net.http.HttpResponse<String> raw = java.net.http.HttpClient.newHttpClient()
                    .send(
                            java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/apply"))
                                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                                            "{\"sources\":[{\"text\":\"kind: x\"}]}"))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(raw.statusCode()).isEqualTo(400);
            assertThat(raw.body()).contains("sources[0].name: is required");
            // The mesh still holds exactly the last good config.
            assertThat(mesh.controlPlane().config().snapshot().resources().keySet())
                    .extracting(Object::toString)
                    .contains("VirtualService default/reviews")
                    .doesNotContain("WorkloadGroup default/external");
        }
    }

    /** Istio's Gateway API samples, once answered 'unknown kind "HTTPRoute"', apply as kubectl applies them. */
    @Test
    void applyTakesIstiosGatewayApiSamples() throws Exception {
        Path samples =
                Pages.istioSamples().map(p -> p.resolve("bookinfo/gateway-api")).orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(
                samples != null, "Istio's samples are not beside this checkout (../shared/istio/samples)");
        try (LocalMesh mesh = LocalMesh.start(
                        MeshSpec.bookinfo(),
                        LocalOptions.isolated(OptionalLong.empty()),
                        new PrintStream(OutputStream.nullOutputStream()));
                AdminServer admin = new AdminServer(mesh.control(), "127.0.0.1", 0)) {
            String url = "http://127.0.0.1:" + admin.port();
            Run r = meshbox(
                    "apply",
                    "-f",
                    samples.resolve("bookinfo-gateway.yaml").toString(),
                    "-f",
                    samples.resolve("route-reviews-90-10.yaml").toString(),
                    "--admin",
                    url);
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out())
                    .contains(
                            "gateway.gateway.networking.k8s.io/bookinfo-gateway created",
                            "httproute.gateway.networking.k8s.io/bookinfo created",
                            "httproute.gateway.networking.k8s.io/reviews created");
            assertThat(mesh.control().pods())
                    .anySatisfy(p -> assertThat(p.name()).startsWith("bookinfo-gateway-istio-"));
        }
    }

    @Test
    void applyWithoutARunningMeshSaysSo(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("x.yaml"), "kind: VirtualService\n");
        Run r = meshbox("apply", "-f", f.toString(), "--admin", "http://127.0.0.1:1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("no mesh is running");
    }

    @Test
    void canaryScenarioPassesAndWritesItsReport(@TempDir Path dir) throws Exception {
        Path scenario = Path.of("").toAbsolutePath().getParent().resolve("scenarios/canary-90-10.yaml");
        Path report = dir.resolve("report.json");
        Path junit = dir.resolve("junit.xml");
        Run r = meshbox("run", scenario.toString(), "--report", report.toString(), "--junit", junit.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(Files.readString(junit))
                .contains(
                        "<testsuite name=\"canary-90-10\" tests=\"4\" failures=\"0\"",
                        "<testcase classname=\"canary-90-10.split reviews 90/10\" name=\"reviews v1 share\"");
        assertThat(r.out()).contains("reviews v1 share", "reviews v2 share", "PASS canary-90-10");
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertThat(json.path("passed").asBoolean()).isTrue();
        JsonNode checks = json.path("steps").get(0).path("checks");
        assertThat(checks.get(0).path("what").asText()).isEqualTo("reviews v1 share");
    }

    @Test
    void scenarioWithBadInputExits2NamingFileAndKey(@TempDir Path dir) throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.yaml"), """
                name: bad
                steps:
                  - traffic: {url: http://reviews:9080/, count: 0}
                """);
        Run r = meshbox("run", bad.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err())
                .contains("bad.yaml:3: steps[0].traffic.count: must be an integer between 1 and 100000, got 0");
    }

    @Test
    void sameSeedReplaysTheSameDecisionForEveryRequest(@TempDir Path dir) throws Exception {
        Path scenario = Path.of("").toAbsolutePath().getParent().resolve("scenarios/canary-90-10.yaml");
        List<List<String>> runs = new java.util.ArrayList<>();
        for (String seed : List.of("11", "11", "12")) {
            Path report = dir.resolve("r" + runs.size() + ".json");
            Run r = meshbox("run", scenario.toString(), "--seed", seed, "--report", report.toString());
            assertThat(r.exit()).as(r.out()).isZero();
            List<String> served = new java.util.ArrayList<>();
            new ObjectMapper()
                    .readTree(report.toFile())
                    .path("steps")
                    .get(0)
                    .path("servedBy")
                    .path("reviews")
                    .forEach(v -> served.add(v.asText()));
            assertThat(served).hasSize(1000);
            runs.add(served);
        }
        assertThat(runs.get(1)).as("same seed, same decision per request").isEqualTo(runs.get(0));
        assertThat(runs.get(2)).as("another seed decides differently").isNotEqualTo(runs.get(0));
    }

    @Test
    void logsAndLoadWorkAgainstARunningMesh() throws Exception {
        try (LocalMesh mesh = LocalMesh.start(
                        MeshSpec.of(List.of(new Scenario.Builtin("httpbin"), new Scenario.Builtin("fortio"))),
                        LocalOptions.isolated(OptionalLong.empty()),
                        new PrintStream(OutputStream.nullOutputStream()));
                AdminServer admin = new AdminServer(mesh.control(), "127.0.0.1", 0)) {
            String url = "http://127.0.0.1:" + admin.port();
            Run load = meshbox(
                    "load", "-c", "3", "-n", "30", "--from", "fortio", "http://httpbin:8000/get", "--admin", url);
            assertThat(load.exit()).as(load.err()).isZero();
            assertThat(load.out())
                    .contains(
                            "for 30 calls: http://httpbin:8000/get",
                            "# target 50% ",
                            "# target 99% ",
                            "Code 200 : 30 (100.0 %)");

            Run logs = meshbox("logs", "fortio", "--admin", url);
            assertThat(logs.exit()).isZero();
            assertThat(logs.out().lines().filter(l -> l.contains("\"GET /get HTTP/1.1\" 200 - via_upstream")))
                    .hasSize(30)
                    .allSatisfy(l -> assertThat(l)
                            .contains("\"httpbin:8000\"", "outbound|8000||httpbin.default.svc.cluster.local"));

            Run unknown = meshbox("logs", "nothing", "--admin", url);
            assertThat(unknown.exit()).isEqualTo(1);
            assertThat(unknown.err()).contains("no workload \"nothing\"", "fortio", "httpbin");
            Run badFrom = meshbox("load", "--from", "nothing", "http://httpbin:8000/get", "--admin", url);
            assertThat(badFrom.exit()).isEqualTo(2);
            assertThat(badFrom.err()).contains("--from nothing: no such workload");
        }
    }

    @Test
    void aFailingScenarioExits1AndExplainsItselfInTheTableAndTheJUnitXml(@TempDir Path dir) throws Exception {
        Path istio = Path.of("").toAbsolutePath().getParent().resolve("scenarios/istio");
        Path wrong = Files.writeString(dir.resolve("wrong.yaml"), """
                name: wrong-split
                steps:
                  - name: expect 50/50 of a 90/10 split
                    config:
                      - file: %s/destination-rule-all.yaml
                      - file: %s/virtual-service-reviews-90-10.yaml
                    traffic: {from: productpage, url: "http://reviews:9080/reviews/0", count: 200, concurrency: 2}
                    expect:
                      - versionShare: {service: reviews, shares: {v1: 0.5, v2: 0.5}, tolerance: 0.05}
                """.formatted(istio, istio));
        Path junit = dir.resolve("junit.xml");
        Run r = meshbox("run", wrong.toString(), "--junit", junit.toString(), "--seed", "5");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out())
                .contains(
                        "FAIL wrong-split",
                        "why: served by reviews: v1 ",
                        "productpage-v1's route 9080 for reviews:9080: [1] VirtualService default/reviews spec.http[0] -> "
                                + "outbound|9080|v1|reviews.default.svc.cluster.local 90%, outbound|9080|v2|reviews.default.svc.cluster.local 10%");
        assertThat(Files.readString(junit))
                .contains("failures=\"2\"", "<failure message=\"expected 0.5 ± 0.05, observed 0.");
    }

    @Test
    void aUsersJavaMainClassRunsAsAWorkloadBehindItsSidecar(@TempDir Path dir) throws Exception {
        Path scenario = Files.writeString(dir.resolve("java-app.yaml"), """
                name: own-service
                workloads:
                  - sleep
                  - java:
                      service: details
                      version: v1
                      port: 9080
                      mainClass: dev.meshbox.bookinfo.Main
                      classpath: "%s"
                      args: [--service, details, --version, v1, --listen, "{listen}", --proxy, "{proxy}"]
                steps:
                  - name: the service answers through the mesh
                    traffic: {from: sleep, url: "http://details:9080/details/0", count: 20}
                    expect:
                      - statusShare: {shares: {200: 1.0}}
                      - versionShare: {service: details, shares: {v1: 1.0}, tolerance: 0}
                      - bodyContains: {text: William Shakespeare, share: 1.0}
                """.formatted(
                        System.getProperty("java.class.path").replace("\\", "\\\\")));
        Run r = meshbox("run", scenario.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("PASS own-service");
    }

    @Test
    void aJavaWorkloadThatNeverListensIsAClearError(@TempDir Path dir) throws Exception {
        Path scenario = Files.writeString(dir.resolve("broken-app.yaml"), """
                name: broken-app
                workloads:
                  - java: {service: broken, port: 9080, mainClass: no.such.Main, classpath: "%s"}
                steps:
                  - traffic: {from: ingress, path: /, count: 1}
                """.formatted(dir.toString()));
        Run r = meshbox("run", scenario.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err())
                .contains("broken-v1-", "the process exited with 1 before listening on 127.", "no.such.Main");
    }

    @Test
    void upRefusesClearlyWhenTheIngressPortIsTaken() throws Exception {
        java.net.ServerSocket holder = new java.net.ServerSocket();
        try {
            holder.setReuseAddress(false);
            holder.bind(new java.net.InetSocketAddress("127.0.0.1", 8080));
        } catch (java.io.IOException alreadyTaken) {
            holder.close(); // something else holds 8080 already: the same situation for `up`
        }
        try {
            Run r = meshbox("up");
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err())
                    .contains("8080", "already in use on 127.0.0.1", "./meshbox run, which needs no fixed ports");
        } finally {
            holder.close();
        }
    }
}
