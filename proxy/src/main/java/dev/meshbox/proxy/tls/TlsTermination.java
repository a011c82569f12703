package dev.meshbox.proxy.tls;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

/**
 * Terminates TLS on an accepted connection with a chosen server context (a gateway server's credential): the
 * handshake, then the connection's {@link ConnectionSecurity} for the HTTP layer; a failed handshake (no client
 * certificate where MUTUAL requires one, an untrusted one) closes the connection, as Envoy does.
 */
public final class TlsTermination {

    private TlsTermination() {}

    /** Adds the TLS handler to the end of {@code ch}'s pipeline; what the application reads goes to handlers after. */
    public static void install(Channel ch, SslContext server) {
        SslHandler ssl = server.newHandler(ch.alloc());
        ch.pipeline().addLast("tls", ssl);
        ch.pipeline().addLast("tls-identity", new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                if (evt instanceof SslHandshakeCompletionEvent done) {
                    if (done.isSuccess()) {
                        ctx.channel().attr(TransportDetector.SECURITY).set(ConnectionSecurity.of(ssl));
                        ctx.pipeline().remove(this);
                    } else {
                        ctx.close();
                    }
                }
                ctx.fireUserEventTriggered(evt);
            }
        });
    }
}
