package dev.meshbox.proxy.http;

import dev.meshbox.proxy.tls.ConnectionSecurity;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.InetSocketAddress;

/** The client side of one request, as the listener layer gives it to the connection manager. */
public interface Downstream {

    /** The loop all of this request's work runs on. */
    EventLoop eventLoop();

    InetSocketAddress localAddress();

    InetSocketAddress remoteAddress();

    /** {@link #localAddress()} as {@code ip:port}, as access logs print it. */
    default String localAddressText() {
        return addressText(localAddress());
    }

    /** {@link #remoteAddress()} as {@code ip:port}. */
    default String remoteAddressText() {
        return addressText(remoteAddress());
    }

    static String addressText(InetSocketAddress a) {
        return a == null ? null : a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    /** The connection's transport security and peer identity (plaintext unless the listener terminated mTLS). */
    default ConnectionSecurity security() {
        return ConnectionSecurity.PLAINTEXT;
    }

    boolean isOpen();

    /**
     * The peer's identity from the connection's TLS handshake ({@link #security()}, as authorization reads it);
     * {@link PeerIdentity#PLAINTEXT} without mTLS.
     */
    default PeerIdentity peer() {
        ConnectionSecurity s = security();
        return s.mutualTls() ? new PeerIdentity(s.peerPrincipal(), s.requestedServerName()) : PeerIdentity.PLAINTEXT;
    }

    /** Called once if the client goes away before the response is written. */
    void onClose(Runnable action);

    /** Writes the response (ownership passes) and moves on to the next request on the connection. */
    void respond(FullHttpResponse response);

    /**
     * Whether a response can go out in pieces ({@link #respondHeaders}, {@link #respondData}, {@link #respondEnd}) as
     * the upstream sends it: an HTTP/2 stream can, an HTTP/1.1 connection here answers with whole messages.
     */
    default boolean streamsResponses() {
        return false;
    }

    /** Writes a streamed response's headers (ownership passes); its body and end follow. */
    default void respondHeaders(HttpResponse head) {
        throw new UnsupportedOperationException("this downstream answers with whole responses");
    }

    /** Writes a piece of a streamed response's body (ownership passes). */
    default void respondData(HttpContent content) {
        throw new UnsupportedOperationException("this downstream answers with whole responses");
    }

    /** Ends a streamed response with its trailers (ownership passes). */
    default void respondEnd(LastHttpContent last) {
        throw new UnsupportedOperationException("this downstream answers with whole responses");
    }

    /** Abandons a streamed response midway: the client sees its stream reset. */
    default void resetResponse() {
        throw new UnsupportedOperationException("this downstream answers with whole responses");
    }
}
