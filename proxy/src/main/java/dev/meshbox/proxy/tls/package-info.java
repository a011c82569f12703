/**
 * TLS in the proxy. Istio mutual TLS: the workload's key, chain and root as SDS delivered them, checked (PEM, key
 * matching the certificate, validity) and turned into Netty {@code SslContext}s swapped whole when SDS rotates them
 * ({@link WorkloadTls}); what a connection knows of its peer ({@link ConnectionSecurity}); the listener-side
 * detection of TLS or plaintext ({@link TransportDetector}). Upstream TLS a DestinationRule asks for: user-supplied
 * files ({@link ClientMaterial}), the server's subject alternative names ({@code SubjectAltNameTrustManager}), the SNI
 * as Envoy sends it ({@link Sni}), and a failed handshake in Envoy's words ({@link TlsFailures}). Contexts use
 * BoringSSL where netty-tcnative loads, the JDK's provider otherwise ({@link TlsProvider}). Below the endpoint layer
 * (upstream TLS) and the listener layer (downstream TLS).
 */
package dev.meshbox.proxy.tls;
