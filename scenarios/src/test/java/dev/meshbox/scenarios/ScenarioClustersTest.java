package dev.meshbox.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A scenario's clusters: placement of workloads, and the mistakes refused naming file, line and field. */
class ScenarioClustersTest {

    private final ScenarioLoader loader = new ScenarioLoader();

    @Test
    void sharedWorkloadsRunInEveryClusterAndAClustersOwnOnlyThere() {
        Scenario s = loader.parse(Path.of("mc.yaml"), """
                name: mc
                workloads: [sleep.sample]
                clusters:
                  - {name: cluster1, network: network1, workloads: [helloworld-v1.sample]}
                  - {name: cluster2, network: network2}
                steps:
                  - traffic: {from: sleep@cluster2, url: "http://helloworld.sample:5000/hello"}
                """);

        assertThat(s.clusters()).extracting(Scenario.Cluster::name).containsExactly("cluster1", "cluster2");
        assertThat(s.clusters().get(0).workloads())
                .extracting(Scenario.Workload::displayName)
                .containsExactly("sleep.sample", "helloworld-v1.sample");
        assertThat(s.clusters().get(1).workloads())
                .extracting(Scenario.Workload::displayName)
                .containsExactly("sleep.sample");
        assertThat(s.clusters().get(1).network()).isEqualTo("network2");
    }

    @Test
    void withoutAnyWorkloadsEveryClusterRunsBookinfo() {
        Scenario s = loader.parse(Path.of("two.yaml"), """
                name: two bookinfos
                clusters: [{name: cluster1}, {name: cluster2}]
                steps:
                  - traffic: {url: "http://productpage:9080/productpage"}
                """);

        assertThat(s.clusters())
                .allSatisfy(c -> assertThat(c.workloads())
                        .extracting(Scenario.Workload::displayName)
                        .containsExactly("bookinfo"));
    }

    @Test
    void aClusterNameUsedTwiceAndAnUnknownClusterInFromAreNamed() {
        String text = """
                name: bad
                clusters:
                  - {name: cluster1, workloads: [sleep]}
                  - {name: cluster1, workloads: [httpbin]}
                steps:
                  - traffic: {from: sleep@cluster3, url: "http://httpbin:8000/get"}
                """;
        assertThatThrownBy(() -> loader.parse(Path.of("bad.yaml"), text))
                .isInstanceOf(ScenarioException.class)
                .hasMessageContaining("bad.yaml:4: clusters[1].name: cluster name \"cluster1\" is used twice"
                        + " (clusters[0] and clusters[1])")
                .hasMessageContaining("steps[0].traffic.from: \"sleep@cluster3\": unknown cluster \"cluster3\";"
                        + " clusters: [cluster1, cluster1]");
    }

    @Test
    void aClusteredFromWithoutClustersIsRefused() {
        assertThatThrownBy(() -> loader.parse(Path.of("one.yaml"), """
                        name: one
                        workloads: [sleep, httpbin]
                        steps:
                          - traffic: {from: sleep@cluster2, url: "http://httpbin:8000/get"}
                        """))
                .hasMessageContaining("steps[0].traffic.from: \"sleep@cluster2\" names cluster cluster2, but this"
                        + " scenario has no clusters");
    }
}
