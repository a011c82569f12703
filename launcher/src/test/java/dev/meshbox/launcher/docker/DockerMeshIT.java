package dev.meshbox.launcher.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import dev.meshbox.controlplane.registry.docker.DockerRegistry;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.engine.DockerEngine;
import dev.meshbox.launcher.engine.Labels;
import dev.meshbox.launcher.image.AppImage;
import dev.meshbox.launcher.image.BaseImage;
import dev.meshbox.launcher.lifecycle.Wait;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.TrafficDriver;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The Docker backend's lifecycle as a user sees it: what runs where, labels, cleanup after a stop and after a killed
 * run, and the faults: a taken port, a failed image build, a container that dies, no engine at all.
 */
@RequiresDocker
class DockerMeshIT {

    private final DockerClient docker = DockerEngine.client();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private List<Container> containersOf(String meshId) {
        return docker.listContainersCmd()
                .withShowAll(true)
                .withLabelFilter(Map.of(DockerRegistry.MESH, meshId))
                .exec();
    }

    private static MeshSpec httpbinPair() {
        return MeshSpec.of(List.of(
                new Scenario.Builtin("httpbin"), new Scenario.Builtin("httpbin-v2"), new Scenario.Builtin("sleep")));
    }

    @Test
    void bookinfoRunsAsLabelledPodsOnItsOwnNetworkAndStopLeavesNothing() throws Exception {
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        String meshId;
        String network;
        try (DockerMesh mesh = DockerMesh.start(
                MeshSpec.bookinfo(),
                DockerMesh.Options.isolated(OptionalLong.empty()),
                new PrintStream(progress, true, StandardCharsets.UTF_8))) {
            meshId = mesh.meshId();
            network = mesh.network();
            assertThat(progress.toString(StandardCharsets.UTF_8))
                    .contains("control plane", "pod productpage-v1", "mesh ready in");

            List<Container> containers = containersOf(meshId);
            // istiod, the gateway, and two containers (sidecar, app) for each of Bookinfo's six pods
            assertThat(containers)
                    .hasSize(14)
                    .allSatisfy(c -> assertThat(c.getLabels())
                            .containsEntry("dev.meshbox", "true")
                            .containsKey("dev.meshbox.owner"));
            for (DockerMesh.StartedPod pod : mesh.pods()) {
                var sidecar = docker.inspectContainerCmd(pod.sidecarId()).exec();
                var app = docker.inspectContainerCmd(pod.appId()).exec();
                assertThat(sidecar.getConfig().getLabels())
                        .containsAllEntriesOf(pod.spec().labels());
                assertThat(sidecar.getNetworkSettings()
                                .getNetworks()
                                .get(network)
                                .getAliases())
                        .contains(pod.spec().appLabel());
                assertThat(app.getHostConfig().getNetworkMode())
                        .as("the app shares its sidecar's network namespace")
                        .isEqualTo("container:" + pod.sidecarId());
            }
            assertThat(docker.inspectNetworkCmd().withNetworkId(network).exec().getLabels())
                    .containsEntry(DockerRegistry.MESH, meshId);

            // The registry inside the control plane was fed from the engine: the pods at their container IPs.
            String pods = http.send(
                            HttpRequest.newBuilder(mesh.admin().resolve("/pods"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            for (DockerMesh.StartedPod pod : mesh.pods()) {
                assertThat(pods)
                        .contains("\"ip\":\"" + pod.ip() + "\"")
                        .contains(pod.spec().name());
            }

            InetSocketAddress ingress = mesh.ingress();
            assertThat(ingress.getHostString()).isEqualTo("127.0.0.1");
            HttpResponse<String> page = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ingress.getPort() + "/productpage"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body())
                    .contains("The Comedy of Errors")
                    .contains("Book Details")
                    .contains("Book Reviews");
        }
        assertThat(containersOf(meshId)).as("containers after close").isEmpty();
        assertThat(docker.listNetworksCmd().withNameFilter(network).exec())
                .as("network after close")
                .isEmpty();
    }

    @Test
    void aKilledRunsContainersAreRemovedByTheNextStart() throws Exception {
        // What a killed run leaves: a labelled network and container whose owner process is gone.
        long deadPid = new ProcessBuilder("true").start().pid();
        Map<String, String> orphan =
                Map.of(Labels.MESHBOX, "true", Labels.KIND, "sidecar", Labels.OWNER, Labels.ownerOf(deadPid));
        String image = AppImage.ensure(docker, new PrintStream(new ByteArrayOutputStream()))
                .tag();
        String leftover = docker.createContainerCmd(image)
                .withName("meshbox-test-orphan-" + deadPid)
                .withLabels(orphan)
                .exec()
                .getId();
        String leftoverNet = docker.createNetworkCmd()
                .withName("meshbox-test-orphan-" + deadPid)
                .withLabels(orphan)
                .exec()
                .getId();

        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        try (DockerMesh mesh = DockerMesh.start(
                httpbinPair(),
                DockerMesh.Options.isolated(OptionalLong.empty()),
                new PrintStream(progress, true, StandardCharsets.UTF_8))) {
            assertThat(docker.listContainersCmd()
                            .withShowAll(true)
                            .withIdFilter(List.of(leftover))
                            .exec())
                    .isEmpty();
            assertThat(docker.listNetworksCmd().withIdFilter(leftoverNet).exec())
                    .isEmpty();
            assertThat(progress.toString(StandardCharsets.UTF_8)).contains("left by a killed run");
        }
    }

    @Test
    void aTakenIngressPortIsNamedAndNothingIsCreated() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int before = ours().size();
            assertThatThrownBy(() -> DockerMesh.start(
                            httpbinPair(),
                            new DockerMesh.Options(OptionalLong.empty(), taken.getLocalPort(), 0),
                            new PrintStream(new ByteArrayOutputStream())))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("port " + taken.getLocalPort() + " is already in use on 127.0.0.1")
                    .hasMessageContaining("ingress gateway");
            assertThat(ours()).hasSize(before);
        }
    }

    @Test
    void aFailedImageBuildNamesTheBaseImageAndLeavesNothing() {
        int before = ours().size();
        System.setProperty(BaseImage.PROPERTY, "meshbox-test/no-such-base:1");
        try {
            assertThatThrownBy(() -> DockerMesh.start(
                            httpbinPair(),
                            DockerMesh.Options.isolated(OptionalLong.empty()),
                            new PrintStream(new ByteArrayOutputStream())))
                    .hasMessageContaining("building image meshbox/meshbox:")
                    .hasMessageContaining("meshbox-test/no-such-base:1")
                    .hasMessageContaining(BaseImage.PROPERTY);
        } finally {
            System.clearProperty(BaseImage.PROPERTY);
        }
        assertThat(ours()).hasSize(before);
    }

    @Test
    void aDyingAppIsReportedAndItsPodLeavesTheEndpoints() throws Exception {
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        try (DockerMesh mesh = DockerMesh.start(
                httpbinPair(),
                DockerMesh.Options.isolated(OptionalLong.empty()),
                new PrintStream(progress, true, StandardCharsets.UTF_8))) {
            DockerMesh.StartedPod v1 = mesh.pods().stream()
                    .filter(p -> "v1".equals(p.spec().labels().get("version")))
                    .findFirst()
                    .orElseThrow();
            docker.killContainerCmd(v1.appId()).exec();

            Wait.atMost(Duration.ofSeconds(20))
                    .until(
                            "the report of the killed app",
                            () -> mesh.deaths().isPresent() ? Optional.empty() : Optional.of("no death reported"));
            assertThat(mesh.deaths())
                    .hasValueSatisfying(d ->
                            assertThat(d).contains(v1.spec().name() + "-app").contains("exit code 137 (killed)"));
            assertThat(progress.toString(StandardCharsets.UTF_8))
                    .contains("warning: container")
                    .contains(v1.spec().name());

            // Once the registry has seen it, every request goes to v2; until then some may still hit the dead pod.
            TrafficDriver driver = new TrafficDriver(mesh);
            AtomicReference<List<TrafficDriver.Result>> results = new AtomicReference<>(List.of());
            AtomicInteger round = new AtomicInteger();
            Wait.atMost(Duration.ofSeconds(20))
                    .pollingEvery(Duration.ofMillis(300))
                    .until("a round of 20 requests all answered 200", () -> {
                        results.set(driver.send(
                                new Scenario.Traffic("sleep", "GET", "http://httpbin:8000/headers", Map.of(), 20, 2),
                                "dying-app-" + round.getAndIncrement(),
                                n -> {}));
                        long failed = results.get().stream()
                                .filter(r -> r.status() != 200)
                                .count();
                        return failed == 0 ? Optional.empty() : Optional.of(failed + " of 20 were not 200");
                    });
            assertThat(results.get())
                    .hasSize(20)
                    .allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
        }
    }

    @Test
    void withoutAnEngineTheCliSaysDockerIsNotRunning() throws Exception {
        Path jar = AppImage.locateJar();
        ProcessBuilder pb = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                jar.toString(),
                "run",
                "--backend",
                "docker",
                Path.of("")
                        .toAbsolutePath()
                        .getParent()
                        .resolve("scenarios/canary-90-10.yaml")
                        .toString());
        pb.environment().put("DOCKER_HOST", "unix:///tmp/meshbox-no-such-engine.sock");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isEqualTo(1);
        assertThat(out).contains("Docker is not running").doesNotContain("Exception");
    }

    /** A user's image that knows nothing of MeshBox: a static web server (busybox httpd) listening where the pod says. */
    private String helloImage(Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                java.nio.file.Files.isExecutable(Path.of("/bin/busybox")),
                "this test's user image serves with busybox httpd, and the base image has busybox only when the host has "
                        + "busybox-static (.ci/run installs it)");
        String base = AppImage.ensure(docker, new PrintStream(new ByteArrayOutputStream()))
                .tag();
        java.nio.file.Files.writeString(dir.resolve("index.html"), "hello from my own image\n");
        java.nio.file.Files.writeString(
                dir.resolve("Dockerfile"),
                "FROM " + base + "\nCOPY index.html /www/index.html\n"
                        + "CMD [\"/bin/busybox\", \"sh\", \"-c\", \"exec /bin/busybox httpd -f -p $MESHBOX_LISTEN -h /www\"]\n");
        docker.buildImageCmd(dir.toFile())
                .withTags(java.util.Set.of("meshbox-test/hello:1"))
                .withLabels(Labels.image("test"))
                .exec(new com.github.dockerjava.api.command.BuildImageResultCallback())
                .awaitImageId();
        return "meshbox-test/hello:1";
    }

    @Test
    void withCaptureAnAppWithoutProxySettingsStillCallsThroughItsSidecar(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        String image = helloImage(dir);
        MeshSpec spec = MeshSpec.of(List.of(
                new Scenario.ImageApp(image, "hello", "v1", 8080, 1, Map.of()),
                new Scenario.ImageApp(image, "client", "v1", 8080, 1, Map.of())));
        try (DockerMesh mesh = DockerMesh.start(
                spec,
                DockerMesh.Options.isolated(OptionalLong.empty()),
                new PrintStream(new ByteArrayOutputStream()))) {
            DockerMesh.StartedPod client = mesh.pods().stream()
                    .filter(p -> p.spec().appLabel().equals("client"))
                    .findFirst()
                    .orElseThrow();
            assertThat(client.captured())
                    .as("iptables rules installed by the init container")
                    .isTrue();
            assertThat(docker.inspectContainerCmd(client.appId())
                            .exec()
                            .getConfig()
                            .getEnv())
                    .noneSatisfy(e -> assertThat(e).startsWithIgnoringCase("http_proxy"));

            // The app calls the service by name, as it would with no mesh at all.
            var exec = docker.execCreateCmd(client.appId())
                    .withAttachStdout(true)
                    .withAttachStderr(true)
                    .withCmd("/bin/busybox", "wget", "-q", "-O", "-", "http://hello:8080/index.html")
                    .exec();
            StringBuilder out = new StringBuilder();
            docker.execStartCmd(exec.getId())
                    .exec(
                            new com.github.dockerjava.api.async.ResultCallback.Adapter<
                                    com.github.dockerjava.api.model.Frame>() {
                                @Override
                                public void onNext(com.github.dockerjava.api.model.Frame frame) {
                                    out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                                }
                            })
                    .awaitCompletion(20, TimeUnit.SECONDS);
            assertThat(out.toString()).contains("hello from my own image");

            // ... and its sidecar saw the call leave as outbound traffic to the hello service.
            assertThat(mesh.accessLog()).anySatisfy(e -> {
                assertThat(e.pod()).isEqualTo(client.spec().name());
                assertThat(e.direction()).isEqualTo("outbound");
                assertThat(e.upstreamCluster()).isEqualTo("outbound|8080||hello.default.svc.cluster.local");
                assertThat(e.responseCode()).isEqualTo(200);
            });
        }
    }

    @Test
    void aUsersOwnImageJoinsTheMeshAsAWorkload(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        helloImage(dir);
        java.nio.file.Files.writeString(dir.resolve("hello.yaml"), """
                name: own-image
                workloads:
                  - sleep
                  - image: {name: "meshbox-test/hello:1", service: hello, version: v1, port: 8080}
                steps:
                  - name: call it through the mesh
                    traffic: {from: sleep, url: "http://hello:8080/index.html", count: 20}
                    expect:
                      - statusShare: {shares: {200: 1.0}}
                      - bodyContains: {text: "hello from my own image", share: 1.0}
                      - versionShare: {service: hello, shares: {v1: 1.0}}
                """);
        Scenario scenario = new dev.meshbox.scenarios.ScenarioLoader().load(dir.resolve("hello.yaml"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        try (DockerMesh mesh = DockerMesh.start(
                MeshSpec.of(scenario.workloads()), DockerMesh.Options.isolated(OptionalLong.empty()), print)) {
            var report = new dev.meshbox.scenarios.ScenarioRunner(mesh, print, OptionalLong.empty()).run(scenario);
            assertThat(report.passed()).as(out.toString(StandardCharsets.UTF_8)).isTrue();
        }
    }

    /** Containers and networks owned by this test JVM. */
    private List<String> ours() {
        String owner = Labels.ownerOf(ProcessHandle.current().pid());
        List<String> out = new java.util.ArrayList<>();
        docker.listContainersCmd()
                .withShowAll(true)
                .withLabelFilter(Map.of(Labels.OWNER, owner))
                .exec()
                .forEach(c -> out.add(c.getId()));
        docker.listNetworksCmd()
                .withFilter("label", List.of(Labels.OWNER + "=" + owner))
                .exec()
                .forEach(n -> out.add(n.getId()));
        return out;
    }
}
