package dev.meshbox.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Type versions come from content, and what is derived from a list is derived once per list object. */
class ResourceVersionsTest {

    private final ResourceVersions versions = new ResourceVersions();

    private static Cluster cluster(String name, int connectTimeoutSeconds) {
        return Cluster.newBuilder()
                .setName(name)
                .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(connectTimeoutSeconds))
                .build();
    }

    @Test
    void equalListsBuiltApartHaveEqualVersions() {
        List<Cluster> a = List.of(cluster("reviews", 10), cluster("ratings", 10));
        List<Cluster> b = List.of(cluster("reviews", 10), cluster("ratings", 10));

        assertThat(versions.of(a, Cluster::getName).version())
                .isEqualTo(versions.of(b, Cluster::getName).version())
                .hasSize(12);
    }

    @Test
    void aChangedResourceChangesTheVersion() {
        String before =
                versions.of(List.of(cluster("reviews", 10)), Cluster::getName).version();
        String after =
                versions.of(List.of(cluster("reviews", 5)), Cluster::getName).version();

        assertThat(after).isNotEqualTo(before);
    }

    @Test
    void theSameListIsVersionedNamedAndWrappedOnce() {
        List<Cluster> shared = List.of(cluster("reviews", 10), cluster("ratings", 10));

        ResourceVersions.Typed first = versions.of(shared, Cluster::getName);

        assertThat(versions.of(shared, Cluster::getName)).isSameAs(first);
        assertThat(first.names()).containsExactlyInAnyOrder("reviews", "ratings");
        assertThat(first.resources().version()).isEqualTo(first.version());
        assertThat(first.resources().resources()).containsOnlyKeys("reviews", "ratings");
    }
}
