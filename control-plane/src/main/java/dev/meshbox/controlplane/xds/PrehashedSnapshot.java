package dev.meshbox.controlplane.xds;

import com.google.protobuf.Message;
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
import java.util.function.Function;

/**
 * A v3 snapshot whose resources carry the versions the xDS server already computed for them. java-control-plane's
 * {@code Snapshot.create} serializes and hashes every resource of every snapshot again; with a snapshot per proxy
 * and most resources shared between proxies, that hashing was most of a rebuild of a large mesh.
 */
final class PrehashedSnapshot extends Snapshot {

  private final SnapshotResources<Cluster> clusters;
  private final SnapshotResources<ClusterLoadAssignment> endpoints;
  private final SnapshotResources<Listener> listeners;
  private final SnapshotResources<RouteConfiguration> routes;
  private final SnapshotResources<Secret> secrets = SnapshotResources.create(List.of(), "0");

  PrehashedSnapshot(XdsResources r, java.util.Map<String, String> versions, Function<Message, String> resourceVersion) {
    this.clusters = resources(r.clusters(), versions.get(io.envoyproxy.controlplane.cache.Resources.V3.CLUSTER_TYPE_URL),
        resourceVersion);
    this.endpoints = resources(r.endpoints(),
        versions.get(io.envoyproxy.controlplane.cache.Resources.V3.ENDPOINT_TYPE_URL), resourceVersion);
    this.listeners = resources(r.listeners(),
        versions.get(io.envoyproxy.controlplane.cache.Resources.V3.LISTENER_TYPE_URL), resourceVersion);
    this.routes = resources(r.routes(), versions.get(io.envoyproxy.controlplane.cache.Resources.V3.ROUTE_TYPE_URL),
        resourceVersion);
  }

  private static <T extends Message> SnapshotResources<T> resources(List<T> messages, String version,
                                                                    Function<Message, String> resourceVersion) {
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
  public java.util.Map versionedResources(io.envoyproxy.controlplane.cache.Resources.ResourceType type) {
    return super.versionedResources(type);
  }
}
