package dev.meshbox.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.testing.BookinfoFixture;
import dev.meshbox.controlplane.testing.BookinfoYaml;
import dev.meshbox.controlplane.translate.MeshView;
import dev.meshbox.controlplane.translate.Translator;
import dev.meshbox.controlplane.translate.XdsResources;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Versions of resources asked for by name: what java-control-plane compares to decide whether to answer a watch. */
class NamedVersionsTest {

    private static final Resources.ResourceType EDS = Resources.ResourceType.ENDPOINT;

    @Test
    void endpointsAskedForByNameKeepTheirVersionWhenASubsetIsAdded() {
        Pod proxy = BookinfoFixture.PRODUCTPAGE;
        try (XdsServer xds = new XdsServer()) {
            XdsResources first = Translator.translate(BookinfoFixture.view(), proxy);
            xds.publish(proxy.nodeId(), XdsServerTest.served(first));
            List<String> before = first.endpoints().stream()
                    .map(ClusterLoadAssignment::getClusterName)
                    .toList();
            String heldVersion = xds.snapshot(proxy.nodeId()).version(EDS, before);
            String typeVersion = xds.snapshot(proxy.nodeId()).version(EDS);

            XdsResources withSubsets =
                    Translator.translate(BookinfoFixture.view(BookinfoYaml.DESTINATION_RULE_ALL.text()), proxy);
            xds.publish(proxy.nodeId(), XdsServerTest.served(withSubsets));
            List<String> after = withSubsets.endpoints().stream()
                    .map(ClusterLoadAssignment::getClusterName)
                    .toList();

            // The proxy still asking for the old names holds them already: nothing to resend until it asks for more.
            assertThat(xds.snapshot(proxy.nodeId()).version(EDS, before)).isEqualTo(heldVersion);
            assertThat(after).hasSizeGreaterThan(before.size());
            // Asking for every name is the type's version, which is what the proxy must ACK to be in sync.
            assertThat(xds.snapshot(proxy.nodeId()).version(EDS, after))
                    .isEqualTo(xds.snapshot(proxy.nodeId()).version(EDS))
                    .isNotEqualTo(typeVersion)
                    .isEqualTo(
                            xds.status().get(proxy.nodeId()).types().get("EDS").wanted());
        }
    }

    @Test
    void anEndpointChangeChangesTheVersionOfTheNamesHoldingIt() {
        Pod proxy = BookinfoFixture.PRODUCTPAGE;
        try (XdsServer xds = new XdsServer()) {
            MeshView view = BookinfoFixture.view();
            xds.publish(proxy.nodeId(), XdsServerTest.served(Translator.translate(view, proxy)));
            List<String> reviews = List.of("outbound|9080||reviews.default.svc.cluster.local");
            List<String> details = List.of("outbound|9080||details.default.svc.cluster.local");
            String reviewsVersion = xds.snapshot(proxy.nodeId()).version(EDS, reviews);
            String detailsVersion = xds.snapshot(proxy.nodeId()).version(EDS, details);

            var registry = BookinfoFixture.registry();
            registry.putPod(BookinfoFixture.REVIEWS_V3.withReady(false));
            MeshView withoutV3 = new MeshView(view.config(), registry.snapshot());
            xds.publish(proxy.nodeId(), XdsServerTest.served(Translator.translate(withoutV3, proxy)));

            assertThat(xds.snapshot(proxy.nodeId()).version(EDS, reviews)).isNotEqualTo(reviewsVersion);
            assertThat(xds.snapshot(proxy.nodeId()).version(EDS, details)).isEqualTo(detailsVersion);
        }
    }
}
