package dev.meshbox.launcher;

import static dev.meshbox.launcher.junit.MeshAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.launcher.docker.RequiresDocker;
import dev.meshbox.launcher.junit.Mesh;
import dev.meshbox.launcher.junit.MeshScenario;
import dev.meshbox.launcher.junit.MeshTest;
import dev.meshbox.launcher.junit.Request;
import dev.meshbox.scenarios.ScenarioReport;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Istio's mutual TLS migration task (issue 18, items 6 and 8) on the Docker backend: the pods of {@code legacy} run
 * without a sidecar, each its own container on the mesh network, so {@code sleep.legacy}'s calls arrive at the sidecars
 * of {@code foo} and {@code bar} in plaintext, from the host straight to the pod IP, as a pod Istio did not inject
 * sends them. The same outcomes as {@link SecurityTasksIT} on the local backend.
 */
@RequiresDocker
@MeshTest(
        backend = MeshTest.DOCKER,
        workloads = {"httpbin.foo", "sleep.foo", "httpbin.bar", "sleep.bar"},
        withoutSidecar = {"httpbin.legacy", "sleep.legacy"})
class SecurityTasksDockerIT {

    private static final List<String> NAMESPACES = List.of("foo", "bar", "legacy");

    @Test
    void underPermissiveEveryClientReachesEveryHttpbinAndOnlyMeshedCallsCarryAnIdentity(Mesh mesh) {
        assertThat(SecurityTasksIT.loop(mesh, NAMESPACES, NAMESPACES))
                .containsExactly(
                        "sleep.foo to httpbin.foo: 200",
                        "sleep.foo to httpbin.bar: 200",
                        "sleep.foo to httpbin.legacy: 200",
                        "sleep.bar to httpbin.foo: 200",
                        "sleep.bar to httpbin.bar: 200",
                        "sleep.bar to httpbin.legacy: 200",
                        "sleep.legacy to httpbin.foo: 200",
                        "sleep.legacy to httpbin.bar: 200",
                        "sleep.legacy to httpbin.legacy: 200");
        assertThat(mesh.send(1, Request.get("http://httpbin.foo:8000/headers").from("sleep.foo")))
                .allHaveStatus(200)
                .allBodiesContain("URI=spiffe://cluster.local/ns/foo/sa/sleep");
        assertThat(mesh.send(1, Request.get("http://httpbin.foo:8000/headers").from("sleep.legacy")))
                .allHaveStatus(200)
                .noBodyContains("URI=spiffe://");
        assertThat(mesh.send(
                        1, Request.get("http://httpbin.legacy:8000/headers").from("sleep.foo")))
                .allHaveStatus(200)
                .noBodyContains("X-Forwarded-Client-Cert");
    }

    @Test
    void namespaceStrictClosesThePlaintextCallsOfTheClientWithoutASidecarOnly(Mesh mesh) {
        mesh.apply("""
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: default, namespace: foo}
                spec:
                  mtls: {mode: STRICT}
                """);

        assertThat(SecurityTasksIT.loop(mesh, NAMESPACES, List.of("foo", "legacy")))
                .containsExactly(
                        "sleep.foo to httpbin.foo: 200",
                        "sleep.foo to httpbin.legacy: 200",
                        "sleep.bar to httpbin.foo: 200",
                        "sleep.bar to httpbin.legacy: 200",
                        "sleep.legacy to httpbin.foo: 000",
                        "sleep.legacy to httpbin.legacy: 200");
        assertThat(mesh.send(2, Request.get("http://httpbin.foo:8000/ip").from("sleep.legacy")))
                .allConnectionsClosed();

        mesh.apply("""
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: default, namespace: foo}
                spec:
                  mtls: {mode: PERMISSIVE}
                """);
        assertThat(SecurityTasksIT.loop(mesh, List.of("legacy"), List.of("foo")))
                .containsExactly("sleep.legacy to httpbin.foo: 200");
    }

    @MeshScenario("classpath:scenarios/security/mtls-migration.yaml")
    void mtlsMigrationAsItsDocTestAsserts(ScenarioReport report) {
        assertThat(report.steps())
                .hasSize(18)
                .allSatisfy(s -> assertThat(s.passed()).isTrue());
    }
}
