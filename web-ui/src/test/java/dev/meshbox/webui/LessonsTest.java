package dev.meshbox.webui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.scenarios.Scenario;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every lesson loads with its YAML from the jar, and covers Istio's traffic-management tasks. */
class LessonsTest {

    @Test
    void everyTaskIsALessonWhoseStepsHaveYamlTrafficAndAnExplanation() {
        try (ScenarioCatalog c = new ScenarioCatalog(Optional.empty())) {
            Lessons lessons = new Lessons(c.bundledDir());

            assertThat(lessons.all())
                    .extracting(Lessons.Lesson::id)
                    .containsExactly(
                            "request-routing",
                            "user-routing",
                            "fault-delay",
                            "fault-abort",
                            "traffic-shifting",
                            "request-timeouts",
                            "circuit-breaking",
                            "mirroring",
                            "multicluster-multi-primary",
                            "multicluster-global");
            assertThat(lessons.all()).allSatisfy(l -> {
                assertThat(l.steps()).isNotEmpty();
                if (!l.clusters().isEmpty()) {
                    return; // a lesson with clusters may start with Istio's verify step, which applies nothing
                }
                assertThat(l.steps().get(0).config())
                        .as(l.id())
                        .isNotEmpty()
                        .allSatisfy(t -> assertThat(t.text()).contains("networking.istio.io"));
                assertThat(l.steps())
                        .allSatisfy(s -> assertThat(s.observe() + s.why() + s.traffic())
                                .doesNotContain("null")
                                .isNotBlank());
            });
        }
    }

    @Test
    void theDelayLessonExplainsSixSecondsByProductpagesTimeoutAndRetry() {
        try (ScenarioCatalog c = new ScenarioCatalog(Optional.empty())) {
            Lessons.Lesson delay =
                    new Lessons(c.bundledDir()).lesson("fault-delay").orElseThrow();

            assertThat(delay.steps().get(0).config())
                    .extracting(t -> t.name())
                    .contains("istio/virtual-service-ratings-test-delay.yaml");
            assertThat(delay.steps().get(0).observe()).contains("about 6 s");
            assertThat(delay.steps().get(0).why()).contains("3 s x 2");
            assertThat(delay.steps().get(0).traffic()).contains("as jason").contains("through the ingress");
        }
    }

    @Test
    void sendingAStepsTrafficIsAScenarioWithoutItsConfig() {
        try (ScenarioCatalog c = new ScenarioCatalog(Optional.empty())) {
            Lessons lessons = new Lessons(c.bundledDir());

            Scenario s = lessons.trafficOnly("circuit-breaking", 1);

            assertThat(s.workloads()).containsExactly(new Scenario.Builtin("httpbin"), new Scenario.Builtin("fortio"));
            assertThat(s.steps()).singleElement().satisfies(st -> {
                assertThat(st.config()).isEmpty();
                assertThat(st.traffic())
                        .hasValueSatisfying(t -> assertThat(t.concurrency()).isEqualTo(3));
                assertThat(st.expect()).hasSize(4);
            });
        }
    }

    @Test
    void aMultiPrimaryLessonDeclaresItsClustersAndTeachesTheEastWestGatewayAndFailover() {
        try (ScenarioCatalog c = new ScenarioCatalog(Optional.empty())) {
            Lessons lessons = new Lessons(c.bundledDir());
            Lessons.Lesson l = lessons.lesson("multicluster-multi-primary").orElseThrow();

            assertThat(l.multicluster()).isEqualTo("multi-primary");
            assertThat(l.clusters())
                    .containsExactly(
                            "cluster1 (network1): helloworld-v1.sample, sleep.sample",
                            "cluster2 (network2): helloworld-v2.sample, sleep.sample");
            Scenario s = lessons.scenario("multicluster-multi-primary");
            assertThat(s.clusters()).extracting(Scenario.Cluster::network).containsExactly("network1", "network2");
            assertThat(s.workloads()).isEmpty();
            assertThat(l.steps().get(0).traffic())
                    .isEqualTo("40 x GET http://helloworld.sample:5000/hello, from sleep@cluster1's sidecar");
            assertThat(l.steps().get(0).why()).contains("east-west gateway").contains("weighted by");
            assertThat(l.steps().get(2).config())
                    .singleElement()
                    .satisfies(t -> assertThat(t.text()).contains("localityLbSetting"));

            // The drain belongs to sending the step's traffic, as the scenario runs it.
            Scenario drain = lessons.trafficOnly("multicluster-multi-primary", 4);
            assertThat(drain.clusters()).hasSize(2);
            assertThat(drain.steps().get(0).proxyAdmin()).isPresent();
            assertThat(drain.steps().get(0).config()).isEmpty();
        }
    }

    @Test
    void theGlobalLessonRunsTheOlderModelWithAServiceEntryToTheRemoteGateway() {
        try (ScenarioCatalog c = new ScenarioCatalog(Optional.empty())) {
            Lessons lessons = new Lessons(c.bundledDir());
            Lessons.Lesson l = lessons.lesson("multicluster-global").orElseThrow();

            assertThat(l.multicluster()).isEqualTo("global");
            assertThat(lessons.scenario("multicluster-global").multicluster()).isEqualTo("global");
            assertThat(l.steps().get(0).config())
                    .singleElement()
                    .satisfies(t -> assertThat(t.text())
                            .contains("httpbin.bar.global")
                            .contains("240.0.0.2")
                            .contains("${CLUSTER2_GW_ADDR}")
                            .contains("15443"));
            assertThat(l.steps().get(1).why()).contains("AUTO_PASSTHROUGH").contains("SNI");
        }
    }

    @Test
    void aMeshOfOneClusterSaysWhichClustersALessonNeeds() {
        try (ScenarioCatalog c = new ScenarioCatalog(Optional.empty())) {
            Lessons lessons = new Lessons(c.bundledDir());

            assertThat(LessonClusters.mismatch(new OneCluster(), lessons.scenario("request-routing")))
                    .isEmpty();
            assertThat(LessonClusters.mismatch(new OneCluster(), lessons.scenario("multicluster-global")))
                    .isEqualTo("lesson multicluster-global runs clusters cluster1 (network1: sleep.foo),"
                            + " cluster2 (network2: httpbin.bar) in the global model; this mesh is one cluster");
        }
    }

    /** A mesh of one cluster, as far as lessons ask: no clusters. */
    private static final class OneCluster implements UiMesh {
        @Override
        public dev.meshbox.scenarios.MeshAccess access() {
            throw new UnsupportedOperationException();
        }

        @Override
        public dev.meshbox.scenarios.MeshAccess.ApplyOutcome delete(
                java.util.List<dev.meshbox.controlplane.config.ResourceKey> keys) {
            throw new UnsupportedOperationException();
        }

        @Override
        public dev.meshbox.controlplane.ControlPlane controlPlane() {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.util.List<dev.meshbox.controlplane.registry.Pod> pods() {
            return java.util.List.of();
        }

        @Override
        public String adminGet(dev.meshbox.controlplane.registry.Pod pod, String path) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String prometheus(dev.meshbox.controlplane.registry.Pod pod) {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.util.List<String> workloads() {
            return java.util.List.of("bookinfo");
        }

        @Override
        public java.util.List<String> missing(java.util.List<Scenario.Workload> wanted) {
            return java.util.List.of();
        }
    }
}
