package dev.meshbox.controlplane.xds;

import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.ResourceVersionResolver;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.SnapshotResources;
import io.envoyproxy.controlplane.cache.VersionedResource;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A v3 snapshot whose resources carry the versions the xDS server already computed for them. java-control-plane's
 * {@code Snapshot.create} serializes and hashes every resource of every snapshot again and builds its maps anew; with
 * a snapshot per proxy and most resources shared between proxies, that was most of a rebuild of a large mesh. Here
 * a snapshot is four references to per-type resources the xDS server built once per list of resources.
 */
final class PrehashedSnapshot extends Snapshot {

    private final SnapshotResources<Cluster> clusters;
    private final SnapshotResources<ClusterLoadAssignment> endpoints;
    private final SnapshotResources<Listener> listeners;
    private final SnapshotResources<RouteConfiguration> routes;
    private final SnapshotResources<Secret> secrets;

    @SuppressWarnings("unchecked")
    PrehashedSnapshot(
            SnapshotResources<?> clusters,
            SnapshotResources<?> endpoints,
            SnapshotResources<?> listeners,
            SnapshotResources<?> routes,
            SnapshotResources<?> secrets) {
        this.secrets = (SnapshotResources<Secret>) secrets;
        this.clusters = (SnapshotResources<Cluster>) clusters;
        this.endpoints = (SnapshotResources<ClusterLoadAssignment>) endpoints;
        this.listeners = (SnapshotResources<Listener>) listeners;
        this.routes = (SnapshotResources<RouteConfiguration>) routes;
    }

    /**
     * One type's resources with their own versions and the type's version (per requested names, see
     * {@link NamedVersions}); shared by every snapshot holding them.
     */
    static <T extends Message> SnapshotResources<T> resources(
            List<T> messages, ResourceVersionResolver version, Function<Message, String> resourceVersion) {
        List<VersionedResource<T>> versioned = new ArrayList<>(messages.size());
        for (T m : messages) {
            versioned.add(VersionedResource.create(m, resourceVersion.apply(m)));
        }
        return SnapshotResources.create(versioned, version);
    }

    @Override
    public SnapshotResources<Cluster> clusters() {
        return clusters;
    }

    @Override
    public SnapshotResources<ClusterLoadAssignment> endpoints() {
        return endpoints;
    }

    @Override
    public SnapshotResources<Listener> listeners() {
        return listeners;
    }

    @Override
    public SnapshotResources<RouteConfiguration> routes() {
        return routes;
    }

    @Override
    public SnapshotResources<Secret> secrets() {
        return secrets;
    }

    /** java-control-plane's v3 class implements this with a signature javac does not see as the base one; delegate. */
    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Map versionedResources(Resources.ResourceType type) {
        return super.versionedResources(type);
    }
}
