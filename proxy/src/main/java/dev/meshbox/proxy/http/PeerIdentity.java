package dev.meshbox.proxy.http;

/**
 * What the downstream connection's TLS handshake proved about the peer, for authorization, metrics and the access
 * log. The listener layer provides it per connection ({@link Downstream#peer()}); a plaintext connection is
 * {@link #PLAINTEXT}.
 *
 * @param principal the peer certificate's URI SAN, such as {@code spiffe://cluster.local/ns/default/sa/sleep}; null
 *     when the peer is not authenticated
 * @param requestedServerName the SNI the client sent; null without TLS
 */
public record PeerIdentity(String principal, String requestedServerName) {

    public static final PeerIdentity PLAINTEXT = new PeerIdentity(null, null);

    public boolean authenticated() {
        return principal != null;
    }
}
