package dev.meshbox.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A scenario's {@code multicluster:} model, and the mistakes refused naming the field. */
class ScenarioMulticlusterTest {

    private final ScenarioLoader loader = new ScenarioLoader();

    @Test
    void globalNamesTheOlderModelAndLeftOutIsTheDefault() {
        String text = """
                name: global
                multicluster: global
                clusters:
                  - {name: cluster1, workloads: [sleep.foo]}
                  - {name: cluster2, workloads: [httpbin.bar]}
                steps:
                  - traffic: {from: sleep@cluster1, url: "http://httpbin.bar.global:8000/headers"}
                """;

        assertThat(loader.parse(Path.of("g.yaml"), text).multicluster()).isEqualTo("global");
        assertThat(loader.parse(Path.of("g.yaml"), text.replace("multicluster: global\n", ""))
                        .multicluster())
                .isEmpty();
    }

    @Test
    void anUnknownModelOrOneWithoutClustersIsRefused() {
        assertThatThrownBy(() -> loader.parse(Path.of("g.yaml"), """
                        name: bad
                        multicluster: legacy
                        clusters: [{name: cluster1}]
                        steps:
                          - traffic: {url: "http://productpage:9080/productpage"}
                        """))
                .hasMessageContaining("multicluster: must be multi-primary (remote secrets, today's Istio) or global"
                        + " (.global names, Istio 1.1 to 1.7), got \"legacy\"");
        assertThatThrownBy(() -> loader.parse(Path.of("g.yaml"), """
                        name: bad
                        multicluster: global
                        steps:
                          - traffic: {url: "http://productpage:9080/productpage"}
                        """))
                .hasMessageContaining("multicluster: needs clusters");
    }
}
