package dev.meshbox.proxy.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.AttributeKey;
import java.util.List;

/**
 * Envoy's {@code tls_inspector} and the filter chain match on {@code transport_protocol}, for one accepted
 * connection: its first bytes tell TLS from plaintext. TLS is terminated with the workload certificate, requiring a
 * client certificate (Istio's mTLS chain); plaintext goes on as it is where the port has a plaintext chain
 * (PERMISSIVE) and is closed without a byte where it has none (STRICT). What was decided is left on the channel as a
 * {@link ConnectionSecurity} ({@link #SECURITY}) for the HTTP layer.
 */
public final class TransportDetector extends ByteToMessageDecoder {

    /** The connection's security, set once the transport is known (after the handshake for TLS). */
    public static final AttributeKey<ConnectionSecurity> SECURITY = AttributeKey.valueOf("meshbox.connectionSecurity");

    /** Which transports a port's filter chains accept. */
    public record Accepted(boolean tls, boolean plaintext) {}

    /** A TLS record header is 5 bytes. */
    private static final int SNIFF_BYTES = 5;

    private final WorkloadTls tls;
    private final Accepted accepted;

    public TransportDetector(WorkloadTls tls, Accepted accepted) {
        this.tls = tls;
        this.accepted = accepted;
    }

    /** The security decided for {@code channel}: plaintext until a TLS handshake says otherwise. */
    public static ConnectionSecurity securityOf(Channel channel) {
        ConnectionSecurity s = channel.attr(SECURITY).get();
        return s == null ? ConnectionSecurity.PLAINTEXT : s;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < SNIFF_BYTES) {
            return;
        }
        if (SslHandler.isEncrypted(in, false)) {
            SslContext server = accepted.tls() ? tls.server() : null;
            if (server == null) {
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            }
            SslHandler ssl = server.newHandler(ctx.alloc());
            ctx.pipeline().addAfter(ctx.name(), "tls", ssl);
            ctx.pipeline().addAfter("tls", "tls-identity", new HandshakeListener(ssl));
            ctx.pipeline().remove(this);
        } else if (accepted.plaintext()) {
            ctx.channel().attr(SECURITY).set(ConnectionSecurity.PLAINTEXT);
            ctx.pipeline().remove(this);
        } else {
            // STRICT: no chain for plaintext; the client sees the connection closed with nothing written.
            in.skipBytes(in.readableBytes());
            ctx.close();
        }
    }

    /** Records the peer's identity when the handshake completes; closes the connection when it fails. */
    private static final class HandshakeListener extends io.netty.channel.ChannelInboundHandlerAdapter {
        private final SslHandler ssl;

        HandshakeListener(SslHandler ssl) {
            this.ssl = ssl;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof SslHandshakeCompletionEvent done) {
                if (done.isSuccess()) {
                    ctx.channel().attr(SECURITY).set(ConnectionSecurity.of(ssl));
                    ctx.pipeline().remove(this);
                } else {
                    ctx.close();
                }
            }
            ctx.fireUserEventTriggered(evt);
        }
    }
}
