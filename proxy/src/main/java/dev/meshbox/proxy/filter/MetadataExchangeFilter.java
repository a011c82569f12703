package dev.meshbox.proxy.filter;

import dev.meshbox.proxy.http.FilterStateKey;
import dev.meshbox.proxy.http.HttpExchange;
import dev.meshbox.proxy.http.HttpFilter;
import dev.meshbox.proxy.spec.MetadataExchangeFilterType;
import dev.meshbox.proxy.stats.PeerMetadata;
import dev.meshbox.proxy.stats.Workload;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * {@code istio.metadata_exchange} with Istio's {@code istio_headers} method: tells the peer who this workload is in
 * {@code x-envoy-peer-metadata(-id)} and learns who the peer is from the same headers, which never reach the app. On
 * a sidecar's inbound side the peer is the caller (from the request), elsewhere the callee (from the response). The
 * learned peer is left in the request's filter state for the stats filter.
 */
public final class MetadataExchangeFilter implements HttpFilter {

    /** The workload at the other end of the request, as the metadata exchange learned it. */
    public static final FilterStateKey<Workload> PEER = new FilterStateKey<>("istio.peer", Workload.class);

    private final String name;
    private final MetadataExchangeFilterType.Config config;
    private final PeerMetadata metadata;

    public MetadataExchangeFilter(String name, MetadataExchangeFilterType.Config config, PeerMetadata metadata) {
        this.name = name;
        this.config = config;
        this.metadata = metadata;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Status onRequest(HttpExchange exchange) {
        HttpHeaders headers = exchange.request().headers();
        if (config.downstreamDiscovery()) {
            exchange.filterState(PEER, metadata.decode(headers.get(PeerMetadata.HEADER)));
        }
        if (config.downstreamDiscovery() || config.downstreamPropagation()) {
            headers.remove(PeerMetadata.HEADER);
            headers.remove(PeerMetadata.ID_HEADER);
        }
        if (config.upstreamPropagation()) {
            headers.set(PeerMetadata.ID_HEADER, metadata.nodeId());
            headers.set(PeerMetadata.HEADER, metadata.encoded());
        }
        return Status.CONTINUE;
    }

    @Override
    public void onResponse(HttpExchange exchange, HttpHeaders headers) {
        if (config.upstreamDiscovery()) {
            String peer = headers.get(PeerMetadata.HEADER);
            if (peer != null) {
                exchange.filterState(PEER, metadata.decode(peer));
                headers.remove(PeerMetadata.HEADER);
                headers.remove(PeerMetadata.ID_HEADER);
            }
        }
        if (config.downstreamPropagation()) {
            headers.set(PeerMetadata.ID_HEADER, metadata.nodeId());
            headers.set(PeerMetadata.HEADER, metadata.encoded());
        }
    }
}
