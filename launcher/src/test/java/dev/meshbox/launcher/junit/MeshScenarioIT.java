package dev.meshbox.launcher.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.scenarios.ScenarioReport;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code @MeshScenario} runs a shipped scenario file: on the class's mesh when it has the scenario's workloads, on a
 * mesh of its own otherwise. (Its failure message is checked in {@link ExtensionLifecycleIT}.)
 */
@MeshTest(workloads = "bookinfo")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MeshScenarioIT {

    @MeshScenario("classpath:scenarios/canary-90-10.yaml")
    @Order(1)
    void canaryRunsOnTheClassMesh(ScenarioReport report, Mesh mesh) {
        assertThat(report.passed()).isTrue();
        assertThat(report.steps()).singleElement().satisfies(step -> {
            assertThat(step.requests()).isEqualTo(1000);
            assertThat(step.checks())
                    .extracting(ScenarioReport.Check::what)
                    .contains("reviews v1 share", "reviews v2 share");
        });
        // The 1000 requests went through the class's mesh: productpage's sidecar logged them.
        assertThat(mesh.accessLog("productpage")).hasSizeGreaterThanOrEqualTo(1000);
    }

    @Test
    @Order(2)
    void theNextTestStartsFromAMeshWithoutTheScenariosConfig(Mesh mesh) {
        Responses r = mesh.send(30, Request.get("http://reviews:9080/reviews/0").from("productpage"));
        assertThat(r.versions()).containsKeys("v1", "v2", "v3");
    }

    @MeshScenario("classpath:scenarios/circuit-breaker.yaml")
    @Order(3)
    void aScenarioWithOtherWorkloadsGetsAMeshOfItsOwn(ScenarioReport report, Mesh mesh) {
        assertThat(report.passed()).isTrue();
        // The Mesh parameter is the scenario's mesh, which runs fortio and httpbin instead of Bookinfo.
        assertThat(mesh.stats("fortio"))
                .containsKey("cluster.outbound|8000||httpbin.default.svc.cluster.local.upstream_rq_pending_overflow");
    }
}
