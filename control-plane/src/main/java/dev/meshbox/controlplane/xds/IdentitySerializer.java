package dev.meshbox.controlplane.xds;

import com.google.common.cache.CacheBuilder;
import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.server.serializer.DefaultProtoResourcesSerializer;
import java.util.concurrent.ConcurrentMap;

/**
 * Packs each resource into its {@link Any} once per message object, for as long as the message lives.
 *
 * <p>java-control-plane's {@code CachedProtoResourcesSerializer} keys its cache by message equality and holds the
 * packed values weakly: after any garbage collection it packs again, and a lookup of a route configuration equal to
 * a cached one but not the same object compares the two field by field. With 1000 streams answered per change, that
 * was most of the control plane's CPU in some changes (JFR) and doubled their convergence time. Snapshots here share
 * their messages by reference (see {@link XdsServer#publish}), so identity is the right key: weak keys compare by
 * identity, and an entry goes when no snapshot holds its message any more.
 */
final class IdentitySerializer extends DefaultProtoResourcesSerializer {

    private final ConcurrentMap<Message, Any> packed =
            CacheBuilder.newBuilder().weakKeys().<Message, Any>build().asMap();

    @Override
    public Any serialize(Message resource, Resources.ApiVersion apiVersion) {
        if (apiVersion != Resources.ApiVersion.V3) {
            return super.serialize(resource, apiVersion); // only v3 is served; never cached under the wrong type URL
        }
        Any known = packed.get(resource); // a plain read first: the compute path locks
        return known != null ? known : packed.computeIfAbsent(resource, r -> super.serialize(r, apiVersion));
    }
}
