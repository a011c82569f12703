package dev.meshbox.proxy.http;

import dev.meshbox.proxy.cluster.UpstreamCluster;

/** The clusters of the one config snapshot a request was resolved against. */
@FunctionalInterface
public interface ClusterLookup {

    /** The cluster named {@code name}, or null when the snapshot has none by that name. */
    UpstreamCluster cluster(String name);
}
