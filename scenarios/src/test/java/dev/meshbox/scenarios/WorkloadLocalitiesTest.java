package dev.meshbox.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Workloads placed in localities and the proxyAdmin step, as the locality failover scenario writes them. */
class WorkloadLocalitiesTest {

    private final ScenarioLoader loader = new ScenarioLoader();

    @Test
    void theShippedLocalityScenarioReadsItsLocalitiesAndDrains() {
        Scenario s = loader.load(Path.of("multicluster-locality-failover.yaml"));
        Scenario.Builtin helloworld = (Scenario.Builtin) s.workloads().get(0);
        assertThat(helloworld.localities())
                .containsExactly("region1/zone1", "region1/zone2", "region2/zone3", "region3/zone4");
        assertThat(helloworld.namespace()).isEqualTo("sample");
        Scenario.Builtin sleep = (Scenario.Builtin) s.workloads().get(1);
        assertThat(sleep.locality()).isEqualTo(Optional.of("region1/zone1"));
        assertThat(s.steps().get(2).proxyAdmin())
                .contains(new ProxyAdmin("helloworld-region1.zone1.sample", "/drain_listeners"));
        assertThat(s.steps().get(0).proxyAdmin()).isEmpty();
    }

    @Test
    void badLocalitiesAndAdminCallsAreNamed() {
        String text = """
                name: bad
                workloads:
                  - sleep: {locality: "region1//zone"}
                  - httpbin: {localities: [region1/zone1]}
                  - helloworld: {localities: [region1/zone1, region1/zone1]}
                steps:
                  - name: one
                    proxyAdmin: {workload: sleep, post: drain_listeners}
                """;
        assertThatThrownBy(() -> loader.parse(Path.of("bad.yaml"), text))
                .isInstanceOf(ScenarioException.class)
                .hasMessageContaining("workloads[0].sleep.locality")
                .hasMessageContaining("locality \"region1//zone\" must be region, region/zone or region/zone/subzone")
                .hasMessageContaining("workloads[1].httpbin.localities")
                .hasMessageContaining("is for helloworld")
                .hasMessageContaining("locality region1/zone1 is listed twice")
                .hasMessageContaining("steps[0].proxyAdmin.post")
                .hasMessageContaining("must be an admin path such as /drain_listeners");
    }
}
