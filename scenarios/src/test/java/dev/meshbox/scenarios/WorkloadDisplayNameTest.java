package dev.meshbox.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How the UI's lists and "this mesh does not run ..." messages name each kind of workload. */
class WorkloadDisplayNameTest {

    @Test
    void eachKindIsNamedAsUpOrAScenarioFileNamesIt() {
        Scenario.EchoVersion one = new Scenario.EchoVersion(1, Duration.ZERO, 0, 503, 0);
        List<Scenario.Workload> workloads = List.of(
                new Scenario.Builtin("httpbin"),
                new Scenario.Echo("checkout", 8080, Map.of("v1", one)),
                new Scenario.JavaApp(
                        "shop",
                        "v1",
                        9000,
                        1,
                        Optional.of("com.example.Shop"),
                        Optional.empty(),
                        Optional.empty(),
                        List.of()),
                new Scenario.ImageApp("shop:1.4", "cart", "v2", 9000, 1, Map.of()),
                new Scenario.Kubernetes("k8s/shop.yaml", List.of(), List.of()));

        assertThat(workloads)
                .extracting(Scenario.Workload::displayName)
                .containsExactly("httpbin", "echo checkout", "java shop", "image cart", "kubernetes k8s/shop.yaml");
    }

    @Test
    void aLoadedScenariosWorkloadsAreNamedTheSameWay() {
        Scenario s = new ScenarioLoader().parse(Path.of("own.yaml"), """
                name: own
                workloads:
                  - bookinfo
                  - image: {name: "shop:1.4", service: shop, version: v2, port: 9000}
                steps:
                  - name: one
                    traffic: {url: "http://shop:9000/"}
                """);

        assertThat(s.workloads()).extracting(Scenario.Workload::displayName).containsExactly("bookinfo", "image shop");
    }
}
