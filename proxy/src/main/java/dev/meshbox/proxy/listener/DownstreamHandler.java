package dev.meshbox.proxy.listener;

import dev.meshbox.proxy.config.ProxyConfig;
import dev.meshbox.proxy.http.Downstream;
import dev.meshbox.proxy.http.HttpConnectionManager;
import dev.meshbox.proxy.http.ResolvedListener;
import dev.meshbox.proxy.spec.FilterChainSpec;
import dev.meshbox.proxy.spec.HcmSpec;
import dev.meshbox.proxy.spec.ListenerSpec;
import dev.meshbox.proxy.tls.ConnectionSecurity;
import dev.meshbox.proxy.tls.TransportDetector;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * One downstream connection on a bound listener. Over HTTP/1.1, requests are handled one at a time in arrival order
 * (pipelined ones wait); over HTTP/2 ({@link H2cDetector}) each stream is a request of its own, handled as it
 * completes, and its response goes back on its stream. Each request is put in origin form and given to the connection manager of the listener
 * that takes it: for {@code use_original_dst} listeners, the virtual listener of the request's destination port.
 */
public final class DownstreamHandler extends ChannelInboundHandlerAdapter implements Downstream {

    private final String listenerName;
    private final Supplier<ProxyConfig> config;
    private final HttpConnectionManager manager;
    private final ArrayDeque<FullHttpRequest> queue = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private boolean busy;
    private boolean keepAlive;
    /** The listener drains ({@link ConnectionDrain}): the next HTTP/1.1 response closes the connection. */
    private boolean draining;

    private Runnable closeAction;
    private String localAddressText;
    private String remoteAddressText;
    private boolean http2;
    private Http2ResponseWriter writer;
    /** The HTTP/2 streams whose response is not written yet, told when the connection closes. */
    private final java.util.Set<Stream> streams = new java.util.LinkedHashSet<>();

    /** The handler of one connection accepted by listener {@code listenerName}; the last in its pipeline. */
    public static DownstreamHandler create(
            String listenerName, Supplier<ProxyConfig> config, HttpConnectionManager manager) {
        return new DownstreamHandler(listenerName, config, manager);
    }

    private DownstreamHandler(String listenerName, Supplier<ProxyConfig> config, HttpConnectionManager manager) {
        this.listenerName = listenerName;
        this.config = config;
        this.manager = manager;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        if (!(msg instanceof FullHttpRequest request)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!request.decoderResult().isSuccess()) {
            request.release();
            FullHttpResponse bad = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST);
            bad.headers()
                    .set(HttpHeaderNames.CONTENT_LENGTH, 0)
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            context.writeAndFlush(bad).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (http2) {
            stream(request);
            return;
        }
        queue.add(request);
        if (!busy) {
            next();
        }
    }

    private void next() {
        FullHttpRequest request = queue.poll();
        if (request == null) {
            busy = false;
            return;
        }
        busy = true;
        closeAction = null;
        keepAlive = HttpUtil.isKeepAlive(request);
        ResolvedListener listener = resolve(request);
        if (listener == null) {
            // The connection's transport lost its filter chain (PERMISSIVE became STRICT): as Envoy drains the
            // connections of a removed chain, close without answering; plaintext never reaches a STRICT port's app.
            request.release();
            queue.forEach(FullHttpRequest::release);
            queue.clear();
            ctx.close();
            return;
        }
        manager.process(this, request, listener);
    }

    /** From now on the connection speaks HTTP/2: requests arrive per stream, marked with their stream id. */
    void useHttp2() {
        http2 = true;
        writer = new Http2ResponseWriter(ctx);
    }

    private void stream(FullHttpRequest request) {
        int streamId = dev.meshbox.proxy.http.Http2Messages.takeStreamId(request.headers());
        request.setProtocolVersion(dev.meshbox.proxy.http.Http2Messages.HTTP_2);
        ResolvedListener listener = resolve(request);
        if (listener == null) {
            request.release();
            ctx.close();
            return;
        }
        Stream stream = new Stream(streamId);
        streams.add(stream);
        manager.process(stream, request, listener);
    }

    /** One HTTP/2 stream: the request's client side, answering on its own stream. */
    private final class Stream implements Downstream {
        private final int id;
        private Runnable closeAction;
        private boolean reset;

        Stream(int id) {
            this.id = id;
        }

        @Override
        public EventLoop eventLoop() {
            return DownstreamHandler.this.eventLoop();
        }

        @Override
        public InetSocketAddress localAddress() {
            return DownstreamHandler.this.localAddress();
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return DownstreamHandler.this.remoteAddress();
        }

        @Override
        public String localAddressText() {
            return DownstreamHandler.this.localAddressText();
        }

        @Override
        public String remoteAddressText() {
            return DownstreamHandler.this.remoteAddressText();
        }

        @Override
        public ConnectionSecurity security() {
            return DownstreamHandler.this.security();
        }

        @Override
        public boolean isOpen() {
            return !reset && DownstreamHandler.this.isOpen();
        }

        @Override
        public void onClose(Runnable action) {
            this.closeAction = action;
        }

        @Override
        public void respond(FullHttpResponse response) {
            streams.remove(this);
            closeAction = null;
            if (reset) {
                response.release(); // the client reset the stream: nothing to answer on
                return;
            }
            dev.meshbox.proxy.http.Http2Messages.prepareResponse(response, id);
            writer.whole(response);
        }

        @Override
        public boolean streamsResponses() {
            return true;
        }

        @Override
        public void respondHeaders(io.netty.handler.codec.http.HttpResponse head) {
            if (reset) {
                return;
            }
            writer.headers(id, head);
        }

        @Override
        public void respondData(io.netty.handler.codec.http.HttpContent content) {
            if (reset) {
                content.release();
                return;
            }
            writer.data(id, content);
        }

        @Override
        public void respondEnd(io.netty.handler.codec.http.LastHttpContent last) {
            streams.remove(this);
            closeAction = null;
            if (reset) {
                last.release();
                return;
            }
            writer.end(id, last);
        }

        @Override
        public void resetResponse() {
            streams.remove(this);
            closeAction = null;
            if (!reset) {
                reset = true;
                writer.reset(id);
            }
        }
    }

    /**
     * Puts the request in origin form and finds the connection manager that serves it, reading the published
     * config once: everything the request needs later comes from this one snapshot. Null when the listener chooses
     * chains by transport and none takes this connection's any more.
     */
    ResolvedListener resolve(FullHttpRequest request) {
        String absolutePort = toOriginForm(request);
        ProxyConfig cfg = config.get();
        ListenerSpec spec = cfg.listeners().get(listenerName);
        if (spec == null) {
            return ResolvedListener.none(listenerName, ListenerSpec.Direction.OUTBOUND);
        }
        if (spec.handsOffByDestinationPort()) {
            int port = destinationPort(absolutePort, request.headers().get(HttpHeaderNames.HOST));
            ListenerSpec virtual = cfg.virtualListenersByPort().get(port);
            if (virtual == null) {
                String catchAll = catchAllCluster(spec);
                var cluster = catchAll == null ? null : cfg.clusterLookup().cluster(catchAll);
                if (cluster != null
                        && cluster.spec().type() == dev.meshbox.proxy.spec.ClusterSpec.Type.STATIC
                        && cluster.hosts().isEmpty()) {
                    // Istio's PassthroughFilterChain under REGISTRY_ONLY: a port no service uses goes into
                    // BlackHoleCluster, which has no endpoint; the client sees its connection closed, no answer.
                    return null;
                }
                if (cluster != null
                        && cluster.spec().type() == dev.meshbox.proxy.spec.ClusterSpec.Type.ORIGINAL_DST
                        && !cfg.virtualListenersByPort().isEmpty()) {
                    // Under ALLOW_ANY the PassthroughFilterChain sends it to where the client meant it to go; MeshBox
                    // speaks HTTP there with the connection manager (filters, stats, log) of a virtual listener.
                    ListenerSpec any =
                            cfg.virtualListenersByPort().values().iterator().next();
                    HcmSpec hcm = any.firstHcm();
                    if (hcm != null) {
                        return new ResolvedListener(
                                listenerName,
                                spec.direction(),
                                hcm,
                                cfg.filtersOf(hcm),
                                passthroughRoutes(catchAll),
                                cfg.clusterLookup());
                    }
                }
                return ResolvedListener.none(listenerName, spec.direction());
            }
            return resolved(cfg, virtual, virtual.firstHcm());
        }
        boolean tls = ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class) != null;
        FilterChainSpec chain = ChainSelector.chosen(ctx.channel(), spec)
                .orElseGet(() -> spec.chainFor(
                        ((InetSocketAddress) ctx.channel().localAddress()).getPort(),
                        tls ? FilterChainSpec.TLS : FilterChainSpec.RAW_BUFFER));
        if (chain == null && spec.detectsTransport()) {
            return null;
        }
        return resolved(cfg, spec, chain == null ? null : chain.hcm());
    }

    /** The cluster the listener's catch-all chain proxies to ({@code PassthroughCluster}, {@code BlackHoleCluster}). */
    private static String catchAllCluster(ListenerSpec spec) {
        for (FilterChainSpec chain : spec.chains()) {
            if (chain.destinationPort() == null && chain.tcpProxyCluster() != null) {
                return chain.tcpProxyCluster();
            }
        }
        return null;
    }

    /** Every request to {@code cluster}, as Istio's passthrough filter chain sends all of its connection there. */
    private static dev.meshbox.proxy.route.RouteTable passthroughRoutes(String cluster) {
        return new dev.meshbox.proxy.route.RouteTable(
                cluster,
                java.util.List.of(dev.meshbox.proxy.route.VirtualHost.of(
                        cluster,
                        java.util.List.of("*"),
                        dev.meshbox.proxy.route.Route.of(
                                cluster,
                                dev.meshbox.proxy.route.RouteMatch.prefix("/"),
                                dev.meshbox.proxy.route.RouteAction.Forward.to(cluster)))));
    }

    private static ResolvedListener resolved(ProxyConfig cfg, ListenerSpec listener, HcmSpec hcm) {
        if (hcm == null) {
            return ResolvedListener.none(listener.name(), listener.direction());
        }
        return new ResolvedListener(
                listener.name(), listener.direction(), hcm, cfg.filtersOf(hcm), cfg.routesOf(hcm), cfg.clusterLookup());
    }

    /** Rewrites an absolute-form request line; returns the URI's explicit port, or null. */
    static String toOriginForm(FullHttpRequest request) {
        String uri = request.uri();
        if (!uri.regionMatches(true, 0, "http://", 0, 7) && !uri.regionMatches(true, 0, "https://", 0, 8)) {
            return null;
        }
        try {
            URI parsed = new URI(uri);
            String path = parsed.getRawPath() == null || parsed.getRawPath().isEmpty() ? "/" : parsed.getRawPath();
            request.setUri(parsed.getRawQuery() == null ? path : path + "?" + parsed.getRawQuery());
            if (parsed.getRawAuthority() != null) {
                request.headers().set(HttpHeaderNames.HOST, parsed.getRawAuthority());
            }
            return parsed.getPort() > 0
                    ? Integer.toString(parsed.getPort())
                    : uri.regionMatches(true, 0, "https://", 0, 8) ? "443" : "80";
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /** The absolute URI's port, else the Host header's port, else 80. */
    static int destinationPort(String absolutePort, String host) {
        String port = absolutePort;
        if (port == null && host != null) {
            int close = host.lastIndexOf(']');
            int colon = host.lastIndexOf(':');
            if (colon > close && (close >= 0 || host.indexOf(':') == colon)) {
                port = host.substring(colon + 1);
            }
        }
        try {
            return port == null ? 80 : Integer.parseInt(port);
        } catch (NumberFormatException e) {
            return 80;
        }
    }

    @Override
    public EventLoop eventLoop() {
        return ctx.channel().eventLoop();
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) ctx.channel().localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) ctx.channel().remoteAddress();
    }

    @Override
    public String localAddressText() {
        if (localAddressText == null) {
            localAddressText = Downstream.addressText(localAddress());
        }
        return localAddressText;
    }

    @Override
    public String remoteAddressText() {
        if (remoteAddressText == null) {
            remoteAddressText = Downstream.addressText(remoteAddress());
        }
        return remoteAddressText;
    }

    @Override
    public ConnectionSecurity security() {
        return TransportDetector.securityOf(ctx.channel());
    }

    @Override
    public boolean isOpen() {
        return ctx.channel().isActive();
    }

    @Override
    public void onClose(Runnable action) {
        this.closeAction = action;
    }

    @Override
    public void respond(FullHttpResponse response) {
        closeAction = null;
        if (keepAlive && !draining) {
            // No listener needed: a failed write reaches exceptionCaught, which closes the connection.
            ctx.writeAndFlush(response, ctx.voidPromise());
            next();
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            queue.forEach(FullHttpRequest::release);
            queue.clear();
        }
    }

    /** {@link ConnectionDrain.Event#DRAIN}: GOAWAY for HTTP/2, else close after the next answer or once idle. */
    @Override
    public void userEventTriggered(ChannelHandlerContext context, Object event) {
        if (event != ConnectionDrain.Event.DRAIN) {
            context.fireUserEventTriggered(event);
        } else if (!draining) {
            draining = true;
            ConnectionDrain.start(context, http2, () -> busy);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        Runnable action = closeAction;
        closeAction = null;
        queue.forEach(FullHttpRequest::release);
        queue.clear();
        if (action != null) {
            action.run();
        }
        java.util.List<Stream> open = java.util.List.copyOf(streams);
        streams.clear();
        for (Stream s : open) {
            Runnable a = s.closeAction;
            s.closeAction = null;
            if (a != null) {
                a.run();
            }
        }
        context.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        if (http2 && cause instanceof io.netty.handler.codec.http2.Http2Exception.StreamException reset) {
            // One stream reset (the client cancelled, e.g. at its deadline): that request is abandoned (DC), the
            // connection and its other streams go on.
            for (Stream s : java.util.List.copyOf(streams)) {
                if (s.id == reset.streamId()) {
                    s.reset = true;
                    streams.remove(s);
                    Runnable a = s.closeAction;
                    s.closeAction = null;
                    if (a != null) {
                        a.run();
                    }
                }
            }
            return;
        }
        context.close();
    }
}
