package dev.meshbox.launcher.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.backend.PodSpec;
import dev.meshbox.scenarios.Scenario;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CommandsTest {

    private static PodSpec legacy(String workload) {
        return MeshSpec.of(List.of(new Scenario.Builtin(workload, "legacy", Optional.empty(), false)))
                .pods()
                .get(0);
    }

    @Test
    void anAppWithoutASidecarListensOnThePodIpAndCallsOutUnproxied() {
        PodSpec httpbin = legacy("httpbin");

        List<String> cmd = Commands.builtinAppWithoutSidecar(httpbin, (PodSpec.BuiltinApp) httpbin.container());

        assertThat(String.join(" ", cmd))
                .contains("dev.meshbox.bookinfo.Main --service httpbin --version v1")
                .contains("--namespace legacy")
                .endsWith("--listen 0.0.0.0:8080")
                .doesNotContain("--proxy");
    }

    @Test
    void aClientWithoutASidecarOnlyWaits() {
        assertThat(legacy("sleep").container()).isEqualTo(new PodSpec.NoApp());
        assertThat(Commands.pause()).last().isEqualTo(Pause.class.getName());
    }

    @Test
    void anImageWithoutASidecarGetsNoProxyToCallThrough() {
        PodSpec pod = new PodSpec(
                "shop-v1-abc",
                "legacy",
                Map.of("app", "shop"),
                8080,
                null,
                new PodSpec.ImageApp("shop:1", Map.of("MODE", "x")),
                "shop",
                false);

        List<String> env = Commands.imageAppEnvWithoutSidecar(pod, (PodSpec.ImageApp) pod.container());

        assertThat(env).contains("PORT=8080", "MESHBOX_LISTEN=0.0.0.0:8080", "MODE=x");
        assertThat(env).noneMatch(e -> e.toLowerCase(java.util.Locale.ROOT).startsWith("http_proxy"));
    }

    @Test
    void aGatewayListensOnAllItsAddressesAndAnEastWestGatewayFindsItsIstiodByContainerName() {
        MeshNetwork network = new MeshNetwork(null, "1a2b3c", new dev.meshbox.launcher.lifecycle.CleanupStack("test"));
        List<String> ingress = GatewayContainer.gatewayCommand(
                network,
                Commands.proxy(
                        "gateway",
                        "istio-ingressgateway",
                        "istio-system",
                        Map.of("istio", "ingressgateway"),
                        0,
                        java.util.OptionalLong.empty()));
        List<String> eastWest = GatewayContainer.gatewayCommand(
                network,
                Commands.proxy(
                        "gateway",
                        "istio-eastwestgateway",
                        "istio-system",
                        Map.of("istio", "eastwestgateway"),
                        0,
                        java.util.OptionalLong.empty()));

        assertThat(String.join(" ", ingress)).contains("--xds istiod:15010").endsWith("--wildcard all");
        assertThat(String.join(" ", eastWest))
                .contains("--xds meshbox-1a2b3c-istiod:15010")
                .doesNotContain("--ip")
                .endsWith("--wildcard all");
    }
}
