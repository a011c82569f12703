package dev.meshbox.controlplane.xds;

import static dev.meshbox.controlplane.testing.BookinfoYaml.DESTINATION_RULE_ALL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.testing.BookinfoFixture;
import dev.meshbox.controlplane.translate.MeshView;
import dev.meshbox.controlplane.translate.Translator;
import dev.meshbox.controlplane.translate.XdsResources;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Publishing snapshots: what proxies share, what is left alone, what is refused. */
class XdsServerTest {

    /** The translator's output as the server takes it, the same list objects. */
    static ProxyResources served(XdsResources r) {
        return new ProxyResources(r.listeners(), r.routes(), r.clusters(), r.endpoints());
    }

    private static Pod reviewsV1(int replica) {
        return new Pod(
                "reviews-v1-" + replica,
                "default",
                "127.10.1." + replica,
                "127.20.1." + replica,
                Map.of("app", "reviews", "version", "v1"),
                Pod.ProxyKind.SIDECAR,
                true);
    }

    @Test
    void theSnapshotsOfOneGroupShareTheirVersionedResources() {
        MeshView view = BookinfoFixture.view(DESTINATION_RULE_ALL.text());
        Pod a = reviewsV1(1);
        Pod b = reviewsV1(2);
        List<XdsResources> r = Translator.translateAll(view, List.of(a, b));
        try (XdsServer xds = new XdsServer()) {
            xds.publish(a.nodeId(), served(r.get(0)));
            xds.publish(b.nodeId(), served(r.get(1)));

            assertThat(xds.snapshot(b.nodeId()).routes())
                    .isSameAs(xds.snapshot(a.nodeId()).routes());
            assertThat(xds.snapshot(b.nodeId()).endpoints())
                    .isSameAs(xds.snapshot(a.nodeId()).endpoints());
            assertThat(xds.snapshot(b.nodeId()).listeners())
                    .isSameAs(xds.snapshot(a.nodeId()).listeners());
            assertThat(xds.snapshot(b.nodeId()).clusters())
                    .isNotSameAs(xds.snapshot(a.nodeId()).clusters());
            assertThat(xds.status().get(b.nodeId()).types().get("RDS").wanted())
                    .isEqualTo(xds.status().get(a.nodeId()).types().get("RDS").wanted());
        }
    }

    @Test
    void anInconsistentSnapshotIsRefusedAndTheLastConsistentOneKept() {
        Pod proxy = BookinfoFixture.PRODUCTPAGE;
        XdsResources r = Translator.translate(BookinfoFixture.view(), proxy);
        try (XdsServer xds = new XdsServer()) {
            assertThat(xds.publish(proxy.nodeId(), served(r))).isTrue();
            String wanted = xds.status().get(proxy.nodeId()).types().get("LDS").wanted();

            // Listeners naming route configurations the snapshot lacks: a translator bug, not to be served.
            boolean published = xds.publish(
                    proxy.nodeId(), new ProxyResources(r.listeners(), List.of(), r.clusters(), r.endpoints()));

            assertThat(published).isFalse();
            assertThat(xds.snapshot(proxy.nodeId()).routes().resources()).isNotEmpty();
            assertThat(xds.status().get(proxy.nodeId()).types().get("LDS").wanted())
                    .isEqualTo(wanted);
        }
    }

    @Test
    void aRemovedProxyIsNoLongerServedNorWaitedFor() throws Exception {
        Pod proxy = BookinfoFixture.PRODUCTPAGE;
        try (XdsServer xds = new XdsServer()) {
            xds.publish(proxy.nodeId(), served(Translator.translate(BookinfoFixture.view(), proxy)));
            assertThat(xds.nodes()).containsExactly(proxy.nodeId());

            xds.remove(proxy.nodeId());

            assertThat(xds.nodes()).isEmpty();
            assertThat(xds.snapshot(proxy.nodeId())).isNull();
            assertThat(xds.awaitAcked(Set.of(proxy.nodeId()), Duration.ZERO).converged())
                    .isTrue();
        }
    }

    @Test
    void secretsAreServedInTheProxysSnapshotAndVersionedLikeTheOtherTypes() {
        Pod proxy = BookinfoFixture.PRODUCTPAGE;
        XdsResources r = Translator.translate(BookinfoFixture.view(), proxy);
        java.time.Instant now = java.time.Instant.now();
        var ca = dev.meshbox.controlplane.security.CertificateAuthority.selfSigned(now);
        var secrets = dev.meshbox.controlplane.translate.MutualTls.secrets(
                ca.issue(proxy.spiffeId(), java.time.Duration.ofHours(1), now));
        try (XdsServer xds = new XdsServer()) {
            xds.publish(
                    proxy.nodeId(),
                    new ProxyResources(r.listeners(), r.routes(), r.clusters(), r.endpoints(), secrets));
            var first = xds.snapshot(proxy.nodeId()).secrets();
            assertThat(first.resources()).containsOnlyKeys("default", "ROOTCA");

            var rotated = dev.meshbox.controlplane.translate.MutualTls.secrets(
                    ca.issue(proxy.spiffeId(), java.time.Duration.ofHours(1), now));
            xds.publish(
                    proxy.nodeId(),
                    new ProxyResources(r.listeners(), r.routes(), r.clusters(), r.endpoints(), rotated));

            assertThat(xds.snapshot(proxy.nodeId()).secrets().version()).isNotEqualTo(first.version());
            assertThat(xds.snapshot(proxy.nodeId()).listeners())
                    .isSameAs(xds.snapshot(proxy.nodeId()).listeners());
        }
    }
}
