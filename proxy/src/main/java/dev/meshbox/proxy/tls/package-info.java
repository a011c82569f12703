/**
 * Istio mutual TLS in the proxy: the workload's key, chain and root as SDS delivered them, turned into Netty
 * {@code SslContext}s and swapped whole when SDS rotates them ({@link WorkloadTls}); what a connection knows of its
 * peer ({@link ConnectionSecurity}); and the listener-side detection of TLS or plaintext ({@link TransportDetector}).
 * Below the endpoint layer (upstream TLS) and the listener layer (downstream TLS).
 */
package dev.meshbox.proxy.tls;
