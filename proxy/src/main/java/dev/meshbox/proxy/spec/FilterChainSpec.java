package dev.meshbox.proxy.spec;

/**
 * One filter chain: matched by destination port (null matches any), carrying either an HTTP connection
 * manager or a TCP proxy to a cluster (not served yet: MeshBox speaks HTTP/1.1 only). {@code transportProtocol}
 * ({@code tls}, {@code raw_buffer}, or null for either) narrows the match, and {@code tls} terminates TLS.
 */
public record FilterChainSpec(
        String name,
        Integer destinationPort,
        HcmSpec hcm,
        String tcpProxyCluster,
        String transportProtocol,
        DownstreamTlsSpec tls) {

    public static final String TLS = "tls";
    public static final String RAW_BUFFER = "raw_buffer";

    public FilterChainSpec(String name, Integer destinationPort, HcmSpec hcm, String tcpProxyCluster) {
        this(name, destinationPort, hcm, tcpProxyCluster, null, null);
    }

    /** Whether a connection of {@code transport} ({@link #TLS} or {@link #RAW_BUFFER}) matches this chain. */
    public boolean accepts(String transport) {
        return transportProtocol == null || transportProtocol.isEmpty() || transportProtocol.equals(transport);
    }
}
