package dev.meshbox.launcher.backend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.config.ApplyResult;
import dev.meshbox.controlplane.config.ConfigStore;
import org.junit.jupiter.api.Test;

/** Istio 1.4's preconfigured multicluster objects, as bundled, are valid config. */
class GlobalNamesPreconfiguredTest {

    @Test
    void thePreconfiguredGatewayAndDestinationRuleApply() {
        ApplyResult r = new ConfigStore()
                .apply(GlobalNamesClusters.PRECONFIGURED, MeshSpec.resource(GlobalNamesClusters.PRECONFIGURED));

        assertThat(r.problems()).isEmpty();
        assertThat(r.changes())
                .extracting(ApplyResult.Change::display)
                .containsExactlyInAnyOrder(
                        "destinationrule.networking.istio.io/istio-multicluster-destinationrule (namespace"
                                + " istio-system) created",
                        "gateway.networking.istio.io/istio-multicluster-ingressgateway (namespace istio-system)"
                                + " created");
    }

    @Test
    void theDocsGatewayVariableNamesEachCluster() {
        assertThat(GlobalNamesClusters.gatewayVariable("cluster2")).isEqualTo("CLUSTER2_GW_ADDR");
        assertThat(GlobalNamesClusters.gatewayVariable("east-1")).isEqualTo("EAST_1_GW_ADDR");
    }
}
