package dev.meshbox.proxy.spec;

/**
 * One filter chain: matched by destination port (null matches any), carrying either an HTTP connection
 * manager or a TCP proxy to a cluster (not served yet: MeshBox speaks HTTP/1.1 only).
 */
public record FilterChainSpec(String name, Integer destinationPort, HcmSpec hcm, String tcpProxyCluster) {}
