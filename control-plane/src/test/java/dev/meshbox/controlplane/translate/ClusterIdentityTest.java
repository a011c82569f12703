package dev.meshbox.controlplane.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.testing.BookinfoFixture;
import dev.meshbox.controlplane.testing.MultiClusterFixture;
import org.junit.jupiter.api.Test;

/** A proxy's cluster id in what it reports: the trace tag {@code istio.cluster_id}, as Istio's buildServiceTags. */
class ClusterIdentityTest {

    @Test
    void aPodOfAClusterTagsItsSpansWithThatClusterId() {
        assertThat(TracingTranslator.serviceTags(
                        MultiClusterFixture.pod("helloworld-v2", "helloworld", "v2", 2, "network2", 1)))
                .containsEntry("istio.cluster_id", "cluster2");
    }

    @Test
    void aPodWithoutTopologyLabelsIsInIstiosDefaultCluster() {
        assertThat(TracingTranslator.serviceTags(BookinfoFixture.PRODUCTPAGE))
                .containsEntry("istio.cluster_id", "Kubernetes");
    }
}
