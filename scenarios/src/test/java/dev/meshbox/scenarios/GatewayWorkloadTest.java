package dev.meshbox.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A gateway deployment of the user's, in a scenario's workloads and in the text form of @MeshTest and up. */
class GatewayWorkloadTest {

    private final ScenarioLoader loader = new ScenarioLoader();

    @Test
    void aScenarioGatewayHasItsLabelsPortsAndIstiosDefaults() {
        Scenario s = loader.parse(Path.of("gw.yaml"), """
                name: gw
                workloads:
                  - httpbin
                  - gateway: {name: my-ingress, labels: {istio: my-ingress}, ports: [8443, 8080]}
                  - gateway: {name: edge, namespace: edge}
                steps:
                  - name: one
                    traffic: {from: my-ingress, url: "http://httpbin.example.com/status/200"}
                """);
        assertThat(s.workloads())
                .contains(
                        new GatewayWorkload(
                                "my-ingress",
                                "istio-system",
                                Map.of("istio", "my-ingress"),
                                List.of(8080, 8443),
                                "my-ingress-service-account"),
                        new GatewayWorkload(
                                "edge",
                                "edge",
                                Map.of("app", "edge", "istio", "edge"),
                                List.of(80, 443),
                                "edge-service-account"));
        assertThat(s.workloads().get(1).displayName()).isEqualTo("gateway my-ingress.istio-system");
    }

    @Test
    void aBadGatewayNamesItsFieldsAndLine() {
        assertThatThrownBy(() -> loader.parse(Path.of("gw.yaml"), """
                name: gw
                workloads:
                  - gateway: {name: My_Ingress, ports: [0, 8080], color: red}
                steps:
                  - name: one
                    traffic: {url: "http://httpbin:8000/"}
                """))
                .hasMessageContaining("gw.yaml:3: workloads[0].gateway.color: unknown key")
                .hasMessageContaining("name \"My_Ingress\" must be a DNS label")
                .hasMessageContaining("port 0 must be from 1 to 65535");
    }

    @Test
    void theTextFormTakesANamespaceAndPorts() {
        assertThat(GatewayWorkload.parse("my-ingress.edge:8080,8443").gateway())
                .contains(new GatewayWorkload(
                        "my-ingress",
                        "edge",
                        Map.of("app", "my-ingress", "istio", "my-ingress"),
                        List.of(8080, 8443),
                        "my-ingress-service-account"));
        assertThat(GatewayWorkload.parse("my-ingress:http").problems())
                .contains("port \"http\" must be a number from 1 to 65535");
        assertThat(GatewayWorkload.parse("istio-ingressgateway").problems())
                .singleElement()
                .asString()
                .contains("the mesh's own ingress gateway");
    }
}
