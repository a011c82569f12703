package dev.meshbox.proxy.listener;

import dev.meshbox.proxy.config.ProxyConfig;
import dev.meshbox.proxy.spec.FilterChainSpec;
import dev.meshbox.proxy.spec.ListenerSpec;
import dev.meshbox.proxy.tcp.TcpProxy;
import dev.meshbox.proxy.tls.ClientHello;
import dev.meshbox.proxy.tls.TlsTermination;
import dev.meshbox.proxy.tls.WorkloadTls;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Consumer;

/**
 * Chooses a connection's filter chain before any HTTP is read, for listeners whose chains proxy TCP or match on
 * server names ({@link ListenerSpec#choosesChainPerConnection}): Envoy's {@code tls_inspector} (the first bytes tell
 * TLS from plaintext and give the ClientHello's SNI, nothing is consumed or terminated) and its filter chain match
 * (destination port, server names, transport). A TCP proxy chain gets a {@link TcpProxy} (behind the workload
 * certificate's TLS when the chain terminates mTLS); an HTTP chain gets the HTTP pipeline; a connection no chain takes
 * is closed without a byte, as Envoy resets a TLS connection whose SNI no chain names.
 */
final class ChainSelector extends ByteToMessageDecoder {

    /** The name of the HTTP chain chosen for the connection, whose connection manager serves its requests. */
    static final AttributeKey<FilterChainSpec> CHAIN = AttributeKey.valueOf("meshbox.filterChain");

    /** What the selector needs of the listener manager. */
    record Context(
            String listener,
            ProxyConfig config,
            WorkloadTls tls,
            TcpProxy.Services tcp,
            Consumer<Channel> httpPipeline) {}

    private final Context context;
    private final ListenerSpec spec;

    private ChainSelector(Context context, ListenerSpec spec) {
        this.context = context;
        this.spec = spec;
    }

    /**
     * Sets up {@code ch} for listener {@code spec}: at once when the destination port alone decides, else with a
     * selector that waits for the first bytes.
     */
    static void setUp(Channel ch, Context context, ListenerSpec spec) {
        if (spec.inspectsFirstBytes()) {
            ch.pipeline().addLast("chain-selector", new ChainSelector(context, spec));
            return;
        }
        FilterChainSpec chain =
                spec.chainFor(((InetSocketAddress) ch.localAddress()).getPort(), FilterChainSpec.RAW_BUFFER, null);
        if (chain == null) {
            ch.close();
            return;
        }
        install(ch, context, spec, chain, false, null);
    }

    /** The chain the selector chose for {@code ch} (by SNI, say), as the listener's current config names it. */
    static java.util.Optional<FilterChainSpec> chosen(Channel ch, ListenerSpec spec) {
        FilterChainSpec chain = ch.attr(CHAIN).get();
        if (chain == null) {
            return java.util.Optional.empty();
        }
        if (spec.chains().contains(chain)) {
            return java.util.Optional.of(chain);
        }
        // The config changed since: the chain of the same name, where exactly one has it.
        List<FilterChainSpec> named = spec.chains().stream()
                .filter(c -> !chain.name().isEmpty() && chain.name().equals(c.name()))
                .toList();
        return named.size() == 1 ? java.util.Optional.of(named.get(0)) : java.util.Optional.empty();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        ClientHello.Result hello = ClientHello.inspect(in);
        if (hello.kind() == ClientHello.Kind.NEED_MORE && in.readableBytes() < ClientHello.MAX_BYTES) {
            return;
        }
        boolean tls = hello.kind() != ClientHello.Kind.PLAINTEXT;
        int port = ((InetSocketAddress) ctx.channel().localAddress()).getPort();
        FilterChainSpec chain =
                spec.chainFor(port, tls ? FilterChainSpec.TLS : FilterChainSpec.RAW_BUFFER, hello.sni());
        if (chain == null) {
            in.skipBytes(in.readableBytes());
            ctx.close();
            return;
        }
        install(ctx.channel(), context, spec, chain, tls, hello.sni());
        ctx.pipeline().remove(this); // the inspected bytes go on to the chain's handlers
    }

    private static void install(
            Channel ch, Context context, ListenerSpec spec, FilterChainSpec chain, boolean tls, String sni) {
        if (chain.tcpProxy() == null) {
            ch.attr(CHAIN).set(chain);
            if (chain.tls() != null && !chain.tls().usesWorkloadCertificate()) {
                // A gateway's HTTPS server: TLS ends here with the server's own credential, its ALPN choosing
                // HTTP/2 or HTTP/1.1 inside; a plaintext connection to it, or one before SDS delivered, is closed.
                SslContext server = tls
                        ? context.tls()
                                .credentialServer(
                                        chain.tls().certificateSecret(),
                                        chain.tls().validationSecret(),
                                        chain.tls().alpn())
                        : null;
                if (server == null) {
                    ch.close();
                    return;
                }
                TlsTermination.install(ch, server);
            }
            context.httpPipeline().accept(ch);
            return;
        }
        if (context.tcp() == null) {
            ch.close();
            return;
        }
        if (tls && chain.tls() != null) {
            SslContext server = context.tls().server();
            if (server == null) {
                ch.close(); // no workload certificate yet: never proxy what should be mTLS in plaintext
                return;
            }
            ch.pipeline().addLast("tls", server.newHandler(ch.alloc()));
        }
        ProxyConfig config = context.config();
        ch.pipeline()
                .addLast(
                        "tcp-proxy",
                        new TcpProxy(
                                chain.tcpProxy(),
                                name -> config.clusters().get(name),
                                context.tcp(),
                                new TcpProxy.Connection(context.listener(), spec.direction(), sni, null)));
    }
}
