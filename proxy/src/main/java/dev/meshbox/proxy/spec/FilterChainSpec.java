package dev.meshbox.proxy.spec;

import java.util.List;

/**
 * One filter chain: matched by destination port (null matches any) and by the TLS server names a ClientHello asks
 * for ({@code serverNames}, empty matches any; {@code *.example.com} matches a suffix), carrying either an HTTP
 * connection manager or a TCP proxy ({@code tcpProxy}, whose single cluster is also {@code tcpProxyCluster}).
 * {@code transportProtocol} ({@code tls}, {@code raw_buffer}, or null for either) narrows the match, and {@code tls}
 * terminates TLS.
 */
public record FilterChainSpec(
        String name,
        Integer destinationPort,
        HcmSpec hcm,
        String tcpProxyCluster,
        String transportProtocol,
        DownstreamTlsSpec tls,
        List<String> serverNames,
        TcpProxySpec tcpProxy) {

    public static final String TLS = "tls";
    public static final String RAW_BUFFER = "raw_buffer";

    public FilterChainSpec {
        serverNames = serverNames == null ? List.of() : List.copyOf(serverNames);
    }

    public FilterChainSpec(String name, Integer destinationPort, HcmSpec hcm, String tcpProxyCluster) {
        this(name, destinationPort, hcm, tcpProxyCluster, null, null);
    }

    public FilterChainSpec(
            String name,
            Integer destinationPort,
            HcmSpec hcm,
            String tcpProxyCluster,
            String transportProtocol,
            DownstreamTlsSpec tls) {
        this(
                name,
                destinationPort,
                hcm,
                tcpProxyCluster,
                transportProtocol,
                tls,
                List.of(),
                hcm == null && tcpProxyCluster != null ? TcpProxySpec.to(tcpProxyCluster) : null);
    }

    /**
     * How well {@code sni} matches the chain's server names, as Envoy ranks them: 3 an exact name, 2 a wildcard
     * suffix (longer suffixes are not ranked apart here), 1 a chain without server names, 0 no match.
     */
    public int serverNameRank(String sni) {
        if (serverNames.isEmpty()) {
            return 1;
        }
        if (sni == null) {
            return 0;
        }
        for (String n : serverNames) {
            if (n.equalsIgnoreCase(sni)) {
                return 3;
            }
        }
        for (String n : serverNames) {
            if (n.startsWith("*.")
                    && sni.toLowerCase(java.util.Locale.ROOT)
                            .endsWith(n.substring(1).toLowerCase(java.util.Locale.ROOT))) {
                return 2;
            }
        }
        return 0;
    }

    /** Whether a connection of {@code transport} ({@link #TLS} or {@link #RAW_BUFFER}) matches this chain. */
    public boolean accepts(String transport) {
        return transportProtocol == null || transportProtocol.isEmpty() || transportProtocol.equals(transport);
    }
}
