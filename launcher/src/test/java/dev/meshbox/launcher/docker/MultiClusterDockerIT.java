package dev.meshbox.launcher.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.backend.MultiClusterMesh.ClusterSpec;
import dev.meshbox.launcher.engine.DockerEngine;
import dev.meshbox.launcher.lifecycle.Wait;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.TrafficDriver;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Istio's multi-primary on different networks on the docker backend: each cluster its own Docker network and istiod
 * container, the east-west gateways the only way between them. Istio's verify step (helloworld v1 in cluster1, v2 in
 * cluster2, both answering sleep in either cluster), and a cluster1 pod reaching cluster2's east-west gateway but not
 * cluster2's pods. A call across is mutual TLS under the clusters' one root, as on the local backend.
 */
@RequiresDocker
class MultiClusterDockerIT {

    private static final String SLEEP_ID = "spiffe://cluster.local/ns/sample/sa/sleep";

    private static DockerClusters mesh;

    @BeforeAll
    static void up() throws Exception {
        mesh = DockerClusters.start(
                List.of(
                        new ClusterSpec(
                                "cluster1",
                                "network1",
                                MeshSpec.of(List.of(builtin("helloworld-v1"), builtin("sleep")))),
                        new ClusterSpec(
                                "cluster2",
                                "network2",
                                MeshSpec.of(List.of(builtin("helloworld-v2"), builtin("sleep"))))),
                DockerMesh.Options.isolated(OptionalLong.of(21)),
                new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
    }

    @AfterAll
    static void down() {
        if (mesh != null) {
            mesh.close();
        }
    }

    private static Scenario.Builtin builtin(String name) {
        return new Scenario.Builtin(name, "sample", Optional.empty(), true);
    }

    @Test
    void bothVersionsAnswerSleepInEitherCluster() throws Exception {
        for (String from : List.of("sleep@cluster1", "sleep@cluster2")) {
            TrafficDriver driver = new TrafficDriver(mesh);
            AtomicReference<List<TrafficDriver.Result>> results = new AtomicReference<>(List.of());
            AtomicInteger round = new AtomicInteger();
            // Bounded by rounds of 20 requests, not by their speed: cross-cluster discovery on a loaded CI machine
            // can take a while after the containers are up.
            Wait.atMost(Duration.ofSeconds(45))
                    .pollingEvery(Duration.ofMillis(300))
                    .until(from + ": 20 requests all 200, both versions among them", () -> {
                        results.set(driver.send(
                                new Scenario.Traffic(
                                        from, "GET", "http://helloworld.sample:5000/hello", Map.of(), 20, 2),
                                "mc-docker-" + round.getAndIncrement(),
                                n -> {}));
                        List<String> bodies = results.get().stream()
                                .filter(r -> r.status() == 200)
                                .map(TrafficDriver.Result::body)
                                .toList();
                        boolean both = bodies.stream().anyMatch(b -> b.contains("Hello version: v1"))
                                && bodies.stream().anyMatch(b -> b.contains("Hello version: v2"));
                        return bodies.size() == 20 && both
                                ? Optional.empty()
                                : Optional.of(bodies.size() + " of 20 answered 200; both versions: " + both);
                    });
        }
        // cluster1's sleep reached v2 through cluster2's east-west gateway (15443, by SNI, the TLS passed through
        // untouched), and v2's sidecar verified sleep's certificate, issued by cluster1's intermediate, against the
        // shared root: its inbound access log names sleep's SPIFFE identity.
        assertThat(mesh.counters("istio-eastwestgateway@cluster2"))
                .as("cluster2's east-west gateway passed cluster1's calls through on 15443")
                .hasEntrySatisfying(
                        "cluster.outbound_.5000_._.helloworld.sample.svc.cluster.local.upstream_cx_total",
                        n -> assertThat(n).isPositive());
        String helloworld2 = pod(mesh.cluster("cluster2"), "helloworld").spec().name();
        Wait.atMost(Duration.ofSeconds(20))
                .pollingEvery(Duration.ofMillis(200))
                .until("cluster2's helloworld logs a call from sleep over mTLS", () -> {
                    List<String> peers = mesh.cluster("cluster2").accessLog().stream()
                            .filter(e ->
                                    e.pod().equals(helloworld2) && e.direction().equals("inbound"))
                            .map(MeshAccess.LogEntry::downstreamPeerUriSan)
                            .toList();
                    return peers.contains(SLEEP_ID)
                            ? Optional.empty()
                            : Optional.of("its inbound peers so far: " + peers);
                });
    }

    @Test
    void aPodReachesTheOtherClustersEastWestGatewayButNotItsPods() throws Exception {
        DockerMesh cluster1 = mesh.cluster("cluster1");
        DockerMesh cluster2 = mesh.cluster("cluster2");
        DockerMesh.StartedPod sleep = pod(cluster1, "sleep");
        DockerMesh.StartedPod helloworld2 = pod(cluster2, "helloworld");
        DockerMesh.StartedPod localHelloworld = pod(cluster1, "helloworld");
        String gateway = cluster2.gatewayContainer(
                        pod(cluster2, "istio-eastwestgateway").spec().name())
                .orElseThrow();
        String gatewayOnNetwork1 = cluster1.docker()
                .inspectContainerCmd(gateway)
                .exec()
                .getNetworkSettings()
                .getNetworks()
                .get(cluster1.network())
                .getIpAddress();
        DockerClient docker = DockerEngine.client();
        assertThat(fetch(docker, sleep.sidecarId(), localHelloworld.ip()))
                .as("cluster1's sleep reaches a cluster1 pod")
                .isZero();
        assertThat(fetch(docker, sleep.sidecarId(), gatewayOnNetwork1))
                .as("cluster1's sleep reaches cluster2's east-west gateway on network1")
                .isZero();
        assertThat(fetch(docker, sleep.sidecarId(), helloworld2.ip()))
                .as("cluster1's sleep cannot reach cluster2's helloworld pod at %s directly", helloworld2.ip())
                .isNotZero();
    }

    @Test
    void theHostStillReachesTheGatewaysAttachedAcrossAtTheirPublishedPorts() throws Exception {
        // Attaching a container to a network whose name sorts first moves its published ports on Docker 20.10.
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        for (String cluster : List.of("cluster1", "cluster2")) {
            java.net.InetSocketAddress ready = mesh.proxyPort("istio-eastwestgateway@" + cluster, 15021);
            java.net.http.HttpResponse<Void> r = http.send(
                    java.net.http.HttpRequest.newBuilder(
                                    java.net.URI.create("http://127.0.0.1:" + ready.getPort() + "/healthz/ready"))
                            .timeout(Duration.ofSeconds(2))
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding());
            assertThat(r.statusCode())
                    .as("%s's east-west gateway's 15021 at its published %s", cluster, ready)
                    .isEqualTo(200);
        }
    }

    private static DockerMesh.StartedPod pod(DockerMesh cluster, String app) {
        return cluster.pods().stream()
                .filter(p -> app.equals(p.spec().labels().get("app")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no pod of app " + app));
    }

    /**
     * In the pod's network namespace: busybox wget of the proxy's readiness port, killed after 2 s (busybox's own
     * {@code wget -T} crashes in this build); its exit code.
     */
    private static long fetch(DockerClient docker, String container, String ip) throws InterruptedException {
        String exec = docker.execCreateCmd(container)
                .withCmd(
                        "/bin/busybox",
                        "timeout",
                        "2",
                        "/bin/wget",
                        "-q",
                        "-O",
                        "/dev/null",
                        "http://" + ip + ":15021/healthz/ready")
                .withAttachStdout(true)
                .withAttachStderr(true)
                .exec()
                .getId();
        docker.execStartCmd(exec)
                .exec(new com.github.dockerjava.api.async.ResultCallback.Adapter<>())
                .awaitCompletion(10, java.util.concurrent.TimeUnit.SECONDS);
        Long code = docker.inspectExecCmd(exec).exec().getExitCodeLong();
        return code == null ? -1 : code;
    }
}
