package dev.meshbox.proxy.spec;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A listener as LDS described it, in MeshBox's own terms. */
public record ListenerSpec(
        String name,
        int port,
        boolean bindToPort,
        boolean useOriginalDst,
        Direction direction,
        List<FilterChainSpec> chains) {

    public enum Direction {
        INBOUND,
        OUTBOUND
    }

    public ListenerSpec {
        chains = List.copyOf(chains);
    }

    /** The ports this listener binds on the pod IP: its own, and each chain's destination port. */
    public Set<Integer> boundPorts() {
        if (!bindToPort) {
            return Set.of();
        }
        Set<Integer> ports = new LinkedHashSet<>();
        ports.add(port);
        for (FilterChainSpec chain : chains) {
            if (chain.destinationPort() != null) {
                ports.add(chain.destinationPort());
            }
        }
        return ports;
    }

    /** The chain for a plaintext connection that arrived on {@code localPort}. */
    public FilterChainSpec chainFor(int localPort) {
        return chainFor(localPort, FilterChainSpec.RAW_BUFFER);
    }

    /**
     * The chain for a connection that arrived on {@code localPort} over {@code transport} ({@code tls} or
     * {@code raw_buffer}): an exact port match first, else a chain without one; either must accept the transport.
     */
    public FilterChainSpec chainFor(int localPort, String transport) {
        FilterChainSpec fallback = null;
        for (FilterChainSpec chain : chains) {
            if (!chain.accepts(transport)) {
                continue;
            }
            if (chain.destinationPort() == null) {
                if (fallback == null) {
                    fallback = chain;
                }
            } else if (chain.destinationPort() == localPort) {
                return chain;
            }
        }
        return fallback;
    }

    /**
     * The chain for a connection on {@code localPort} over {@code transport} whose ClientHello asked for {@code sni}
     * (null: none, or plaintext), in Envoy's order of filter chain match criteria: the destination port (an exact
     * match before a chain without one), then the server name (exact, then wildcard, then a chain without server
     * names), then the transport. Null when no chain matches.
     */
    public FilterChainSpec chainFor(int localPort, String transport, String sni) {
        boolean portMatched =
                chains.stream().anyMatch(c -> c.destinationPort() != null && c.destinationPort() == localPort);
        FilterChainSpec best = null;
        int bestRank = 0;
        for (FilterChainSpec chain : chains) {
            boolean portOk = portMatched
                    ? chain.destinationPort() != null && chain.destinationPort() == localPort
                    : chain.destinationPort() == null;
            if (!portOk || !chain.accepts(transport)) {
                continue;
            }
            int rank = chain.serverNameRank(sni);
            if (rank > bestRank) {
                best = chain;
                bestRank = rank;
            }
        }
        return best;
    }

    /**
     * Whether connections pick their chain before any HTTP is read: some chain proxies TCP, matches on server names
     * or terminates TLS with a credential of its own, as a gateway's HTTPS server (the chain then decides the whole
     * pipeline, as Envoy's network filters do). Not {@code virtualOutbound},
     * whose catch-all TCP chain MeshBox serves as an HTTP proxy.
     */
    public boolean choosesChainPerConnection() {
        return !handsOffByDestinationPort()
                && chains.stream()
                        .anyMatch(c -> c.tcpProxy() != null
                                || !c.serverNames().isEmpty()
                                || c.tls() != null && !c.tls().usesWorkloadCertificate());
    }

    /** Whether choosing a chain needs the connection's first bytes (its transport or its ClientHello's SNI). */
    public boolean inspectsFirstBytes() {
        return detectsTransport()
                || chains.stream().anyMatch(c -> !c.serverNames().isEmpty());
    }

    /**
     * Whether chains are chosen by transport (one terminates TLS or names a {@code transport_protocol}): connections
     * need their transport detected, and one whose transport no chain takes is closed.
     */
    public boolean detectsTransport() {
        return chains.stream()
                .anyMatch(c -> c.tls() != null
                        || c.transportProtocol() != null
                                && !c.transportProtocol().isEmpty());
    }

    /**
     * True when connections are handed to the virtual listener of the request's destination port, as
     * {@code virtualOutbound} does: {@code use_original_dst} and no chain selected by destination port.
     */
    public boolean handsOffByDestinationPort() {
        if (!useOriginalDst) {
            return false;
        }
        for (int i = 0; i < chains.size(); i++) { // per request: no stream
            if (chains.get(i).destinationPort() != null) {
                return false;
            }
        }
        return true;
    }

    /** The first chain with an HTTP connection manager (virtual listeners have one chain). */
    public HcmSpec firstHcm() {
        for (FilterChainSpec chain : chains) {
            if (chain.hcm() != null) {
                return chain.hcm();
            }
        }
        return null;
    }
}
