package dev.meshbox.proxy.listener;

import dev.meshbox.proxy.config.ProxyConfig;
import dev.meshbox.proxy.http.HttpConnectionManager;
import dev.meshbox.proxy.spec.FilterChainSpec;
import dev.meshbox.proxy.spec.ListenerSpec;
import dev.meshbox.proxy.tcp.TcpProxy;
import dev.meshbox.proxy.tls.TransportDetector;
import dev.meshbox.proxy.tls.WorkloadTls;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one server socket per port the listeners bind, on the pod IP (or the address the proxy's options give
 * for the port). An LDS update binds new ports and
 * closes the ones no listener wants; a port that stays with the same listener keeps its socket and its
 * connections, which pick up the new configuration on their next request.
 */
public final class ListenerManager implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ListenerManager.class);

    private record Bound(String listener, Channel channel) {}

    private final EventLoopGroup group;
    private final Class<? extends ServerChannel> serverChannel;
    private final IntFunction<InetAddress> bindAddress;
    private final Supplier<ProxyConfig> config;
    private final HttpConnectionManager manager;
    private final int maxBodyBytes;
    private final WorkloadTls tls;
    private final TcpProxy.Services tcp;
    private final Map<Integer, Bound> bound = new HashMap<>();
    private final Map<Integer, String> bindErrors = new TreeMap<>();
    private final Map<Integer, String> wanted = new HashMap<>();
    private final Map<Integer, String> pending = new HashMap<>();
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private boolean closed;
    /** Envoy's {@code drain_listeners}: null none, INBOUND the inbound listeners, OUTBOUND (meaning all) every one. */
    private ListenerSpec.Direction drained;

    private Map<String, ListenerSpec> last = Map.of();

    public ListenerManager(
            EventLoopGroup group,
            Class<? extends ServerChannel> serverChannel,
            IntFunction<InetAddress> bindAddress,
            Supplier<ProxyConfig> config,
            HttpConnectionManager manager,
            int maxBodyBytes,
            WorkloadTls tls) {
        this(group, serverChannel, bindAddress, config, manager, maxBodyBytes, tls, null);
    }

    /** As the other constructor, with what TCP proxy chains need (null: their connections are closed). */
    public ListenerManager(
            EventLoopGroup group,
            Class<? extends ServerChannel> serverChannel,
            IntFunction<InetAddress> bindAddress,
            Supplier<ProxyConfig> config,
            HttpConnectionManager manager,
            int maxBodyBytes,
            WorkloadTls tls,
            TcpProxy.Services tcp) {
        this.tcp = tcp;
        this.tls = tls;
        this.group = group;
        this.serverChannel = serverChannel;
        this.bindAddress = bindAddress;
        this.config = config;
        this.manager = manager;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Binds and unbinds so that exactly the listeners' ports are open; completes when every bind is done. */
    public synchronized CompletableFuture<Void> reconcile(Map<String, ListenerSpec> listeners) {
        if (closed) {
            return CompletableFuture.completedFuture(null);
        }
        last = listeners;
        Map<Integer, String> desired = new HashMap<>();
        listeners.values().stream()
                .filter(l -> !drained(l))
                .forEach(l -> l.boundPorts().forEach(p -> desired.put(p, l.name())));
        wanted.clear();
        wanted.putAll(desired);
        Map<Integer, ChannelFuture> closing = new HashMap<>();
        bound.entrySet().removeIf(e -> {
            if (!e.getValue().listener.equals(desired.get(e.getKey()))) {
                LOG.info(
                        "closing {}:{} ({})",
                        bindAddress.apply(e.getKey()).getHostAddress(),
                        e.getKey(),
                        e.getValue().listener);
                closing.put(e.getKey(), e.getValue().channel.close());
                return true;
            }
            return false;
        });
        List<CompletableFuture<Void>> binds = new ArrayList<>();
        desired.forEach((port, name) -> {
            if (!bound.containsKey(port) && !name.equals(pending.get(port))) {
                pending.put(port, name);
                CompletableFuture<Void> done = new CompletableFuture<>();
                ChannelFuture previous = closing.get(port);
                if (previous == null) {
                    bind(port, name, done);
                } else {
                    previous.addListener(x -> bind(port, name, done));
                }
                binds.add(done);
            }
        });
        return CompletableFuture.allOf(binds.toArray(CompletableFuture[]::new));
    }

    private void bind(int port, String listenerName, CompletableFuture<Void> done) {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(serverChannel)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        ch.attr(ConnectionDrain.LISTENER).set(listenerName);
                        ProxyConfig snapshot = config.get();
                        ListenerSpec spec = snapshot.listeners().get(listenerName);
                        if (spec != null && spec.choosesChainPerConnection()) {
                            ChainSelector.setUp(
                                    ch,
                                    new ChainSelector.Context(
                                            listenerName, snapshot, tls, tcp, c -> addHttp(c, listenerName)),
                                    spec);
                            return;
                        }
                        addHttp(ch, listenerName);
                    }
                });
        ChannelFuture future = bootstrap.bind(new InetSocketAddress(bindAddress.apply(port), port));
        future.addListener((ChannelFuture f) -> {
            synchronized (this) {
                if (listenerName.equals(pending.get(port))) {
                    pending.remove(port);
                }
                boolean stillWanted = !closed && listenerName.equals(wanted.get(port)) && !bound.containsKey(port);
                if (f.isSuccess() && stillWanted) {
                    bound.put(port, new Bound(listenerName, f.channel()));
                    bindErrors.remove(port);
                } else if (f.isSuccess()) {
                    f.channel().close();
                } else {
                    LOG.warn(
                            "cannot bind listener {} on {}:{}: {}",
                            listenerName,
                            bindAddress.apply(port).getHostAddress(),
                            port,
                            f.cause().toString());
                    bindErrors.put(port, listenerName + ": " + f.cause().getMessage());
                }
            }
            done.complete(null);
        });
    }

    /** The HTTP pipeline: transport detection where chains need it, h2c detection, the codec, the connection. */
    private void addHttp(Channel ch, String listenerName) {
        // Where the chain selector already terminated TLS (a gateway's HTTPS server), the transport is known.
        TransportDetector.Accepted accepted =
                ch.pipeline().get(io.netty.handler.ssl.SslHandler.class) != null ? null : accepted(listenerName, ch);
        if (accepted != null) {
            ch.pipeline().addLast("transport", new TransportDetector(tls, accepted));
        }
        ch.pipeline()
                .addLast(
                        new H2cDetector(maxBodyBytes),
                        new HttpServerCodec(),
                        new HttpObjectAggregator(maxBodyBytes),
                        DownstreamHandler.create(listenerName, config, manager));
    }

    /**
     * Which transports the listener's chains accept on the connection's port, when chains are chosen by transport (the
     * connection's first bytes then decide); null when every chain takes any transport.
     */
    private TransportDetector.Accepted accepted(String listenerName, Channel ch) {
        ListenerSpec spec = config.get().listeners().get(listenerName);
        if (spec == null || !spec.detectsTransport()) {
            return null;
        }
        int port = ((InetSocketAddress) ch.localAddress()).getPort();
        FilterChainSpec tlsChain = spec.chainFor(port, FilterChainSpec.TLS);
        return new TransportDetector.Accepted(
                tlsChain != null && tlsChain.tls() != null, spec.chainFor(port, FilterChainSpec.RAW_BUFFER) != null);
    }

    /**
     * Envoy's admin {@code POST /drain_listeners}: stops accepting connections on every listener ({@code inboundOnly}:
     * on the inbound ones) for the rest of the proxy's life, later LDS updates included; connections already accepted
     * drain as Envoy's do ({@link ConnectionDrain}: GOAWAY, {@code Connection: close}). Callers then fail to connect, which their outlier detection sees (Istio's locality failover task).
     */
    public synchronized void drain(boolean inboundOnly) {
        if (drained != ListenerSpec.Direction.OUTBOUND) {
            drained = inboundOnly ? ListenerSpec.Direction.INBOUND : ListenerSpec.Direction.OUTBOUND;
        }
        LOG.info("draining {} listeners", inboundOnly ? "inbound" : "all");
        reconcile(last);
        Map<String, ListenerSpec> listeners = last;
        ConnectionDrain.drain(connections, name -> listeners.containsKey(name) && drained(listeners.get(name)));
    }

    /** Whether {@code drain_listeners} stopped every listener (not only the inbound ones). */
    public synchronized boolean drainedAll() {
        return drained == ListenerSpec.Direction.OUTBOUND;
    }

    private boolean drained(ListenerSpec l) {
        return drained == ListenerSpec.Direction.OUTBOUND
                || (drained == ListenerSpec.Direction.INBOUND && l.direction() == ListenerSpec.Direction.INBOUND);
    }

    /** Port to listener name, for the ports currently bound. */
    public synchronized Map<Integer, String> boundPorts() {
        Map<Integer, String> out = new TreeMap<>();
        bound.forEach((port, b) -> out.put(port, b.listener));
        return out;
    }

    public synchronized Map<Integer, String> bindErrors() {
        return new TreeMap<>(bindErrors);
    }

    @Override
    public synchronized void close() {
        closed = true;
        bound.values().forEach(b -> b.channel.close());
        bound.clear();
        connections.close();
    }
}
