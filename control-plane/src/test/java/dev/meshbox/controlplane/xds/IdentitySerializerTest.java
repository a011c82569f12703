package dev.meshbox.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.testing.BookinfoFixture;
import dev.meshbox.controlplane.translate.Translator;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import org.junit.jupiter.api.Test;

/** What the ADS server writes for a resource: its Any, packed once per message the snapshots share. */
class IdentitySerializerTest {

    @Test
    void aSharedResourceIsPackedOnceAndAnEqualCopyPacksToTheSameBytes() throws Exception {
        Pod proxy = BookinfoFixture.PRODUCTPAGE;
        RouteConfiguration routes =
                Translator.translate(BookinfoFixture.view(), proxy).routes().get(0);
        RouteConfiguration copy = RouteConfiguration.parseFrom(routes.toByteArray()); // equal, another object
        IdentitySerializer serializer = new IdentitySerializer();

        Any first = serializer.serialize(routes, Resources.ApiVersion.V3);

        assertThat(serializer.serialize(routes, Resources.ApiVersion.V3)).isSameAs(first);
        assertThat(first.getTypeUrl()).isEqualTo(Resources.V3.ROUTE_TYPE_URL);
        assertThat(first.unpack(RouteConfiguration.class)).isEqualTo(routes);
        Any ofCopy = serializer.serialize(copy, Resources.ApiVersion.V3);
        assertThat(ofCopy).isNotSameAs(first).isEqualTo(first);
    }
}
