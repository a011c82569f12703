package dev.meshbox.controlplane.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.ServicePort;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The names a sidecar's virtual host answers to, as Istio's: the short name only within the proxy's namespace. */
class SidecarDomainsTest {

    private static MeshService cart(String namespace) {
        return new MeshService(
                "cart", namespace, List.of(new ServicePort("http", 8080, 8080, "HTTP")), Map.of("app", "cart"));
    }

    @Test
    void aServiceOfTheProxysNamespaceAnswersToItsShortName() {
        assertThat(Names.sidecarDomains(cart("shop"), "shop"))
                .containsExactly("cart.shop.svc.cluster.local", "cart", "cart.shop", "cart.shop.svc");
    }

    @Test
    void twoNamespacesServicesOfOneNameNeverClaimTheSameDomain() {
        List<String> own = Names.sidecarDomains(cart("shop"), "shop");
        List<String> other = Names.sidecarDomains(cart("legacy"), "shop");

        assertThat(other).containsExactly("cart.legacy.svc.cluster.local", "cart.legacy", "cart.legacy.svc");
        assertThat(other).doesNotContainAnyElementsOf(own);
    }
}
