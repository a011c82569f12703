package dev.meshbox.proxy.testing;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import dev.meshbox.proxy.accesslog.AccessLog;
import dev.meshbox.proxy.accesslog.AccessLogEntry;
import dev.meshbox.proxy.cluster.ClusterCatalog;
import dev.meshbox.proxy.filter.HttpFilterFactory;
import dev.meshbox.proxy.http.HttpConnectionManager;
import dev.meshbox.proxy.listener.DownstreamHandler;
import dev.meshbox.proxy.random.RandomSource;
import dev.meshbox.proxy.spec.HttpFilterTypes;
import dev.meshbox.proxy.stats.HttpStats;
import dev.meshbox.proxy.stats.IstioMetrics;
import dev.meshbox.proxy.stats.PeerMetadata;
import dev.meshbox.proxy.stats.Workload;
import dev.meshbox.proxy.xds.ConfigApplier;
import dev.meshbox.proxy.xds.TypeUrls;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One proxy's request path with no sockets and no threads: xDS resources go through the real {@link ConfigApplier}
 * (converters, filter registry, cluster catalog), downstream connections are {@link EmbeddedChannel}s ending in the
 * real {@link DownstreamHandler}, and upstream connections are {@link EmbeddedUpstreams}. Time moves only when the
 * test calls {@link #advance}; randomness is seeded per request id, as with an explicit {@code --seed}.
 */
public final class EmbeddedProxy implements AutoCloseable {

    private final FakeTicker ticker = new FakeTicker();
    private final EmbeddedUpstreams upstreams = new EmbeddedUpstreams();
    private final AccessLog accessLog = new AccessLog(1000);
    private final IstioMetrics metrics = new IstioMetrics();
    private final HttpStats httpStats = new HttpStats();
    private final ClusterCatalog catalog;
    private final ConfigApplier applier;
    private final HttpConnectionManager manager;
    private final List<EmbeddedChannel> clients = new ArrayList<>();
    private final List<ReportedSpan> spans = new ArrayList<>();

    /** A span the proxy reported, with the collector cluster and endpoint it was meant for. */
    public record ReportedSpan(String cluster, String endpoint, dev.meshbox.proxy.tracing.Span span) {}

    /** The spans reported so far, in order. */
    public List<ReportedSpan> spans() {
        return List.copyOf(spans);
    }

    public EmbeddedProxy(long seed) {
        this(seed, null, null);
    }

    /**
     * A proxy that also knows one extra HTTP filter type, made by {@code extraFilter}: a test's probe that sees each
     * request's exchange (the filter state other filters left) where the listener's chain places it.
     */
    public EmbeddedProxy(
            long seed,
            dev.meshbox.proxy.spec.HttpFilterType extraType,
            java.util.function.Function<dev.meshbox.proxy.spec.HttpFilterSpec, dev.meshbox.proxy.http.HttpFilter>
                    extraFilter) {
        Clock clock = Clock.fixed(Instant.parse("2026-12-04T10:00:00Z"), ZoneOffset.UTC);
        Workload self = new Workload("productpage-v1", "default", "productpage", "v1", "productpage-v1-abc");
        PeerMetadata peer = new PeerMetadata(
                "sidecar~127.0.0.10~productpage-v1-abc.default~default.svc.cluster.local",
                self,
                Map.of("app", "productpage", "version", "v1"));
        this.catalog = new ClusterCatalog(upstreams, ticker, new SplittableRandom(seed));
        HttpFilterFactory filters =
                new HttpFilterFactory(new HttpFilterFactory.Services(ticker, peer, metrics, httpStats));
        HttpFilterTypes types = HttpFilterTypes.builtIn();
        if (extraType != null) {
            types = types.with(extraType);
            filters.with(extraType.typeUrl(), extraFilter);
        }
        this.applier = new ConfigApplier(catalog, clock, types, filters, new dev.meshbox.proxy.tls.WorkloadTls());
        this.manager = new HttpConnectionManager(new HttpConnectionManager.Services(
                "envoy",
                new RandomSource.PerRequest(seed, new Random(seed)),
                clock,
                ticker,
                accessLog,
                httpStats,
                new dev.meshbox.proxy.http.RequestTracing(
                        new dev.meshbox.proxy.http.RequestTracing.Identity(
                                "productpage.default",
                                "sidecar~127.0.0.10~productpage-v1-abc.default~default.svc.cluster.local",
                                "127.0.0.10"),
                        new dev.meshbox.proxy.tracing.SpanReporter() {
                            @Override
                            public void report(String cluster, String endpoint, dev.meshbox.proxy.tracing.Span span) {
                                spans.add(new ReportedSpan(cluster, endpoint, span));
                            }

                            @Override
                            public Map<String, Long> stats() {
                                return Map.of();
                            }
                        })));
    }

    /** Applies one xDS response of {@code typeUrl} and fails the test if the proxy would NACK it. */
    public EmbeddedProxy apply(String typeUrl, Message... resources) {
        String error = tryApply(typeUrl, resources);
        if (error != null) {
            throw new AssertionError("NACK: " + error);
        }
        return this;
    }

    /** Applies one xDS response; returns the NACK's message, or null when accepted. */
    public String tryApply(String typeUrl, Message... resources) {
        List<Any> packed = new ArrayList<>();
        for (Message m : resources) {
            packed.add(Any.pack(m));
        }
        return applier.apply(typeUrl, "v" + System.identityHashCode(packed), packed);
    }

    public EmbeddedProxy listeners(Message... listeners) {
        return apply(TypeUrls.LISTENER, listeners);
    }

    public EmbeddedProxy routes(Message... routes) {
        return apply(TypeUrls.ROUTE, routes);
    }

    public EmbeddedProxy clusters(Message... clusters) {
        return apply(TypeUrls.CLUSTER, clusters);
    }

    public EmbeddedProxy endpoints(Message... assignments) {
        return apply(TypeUrls.ENDPOINT, assignments);
    }

    public EmbeddedUpstreams upstreams() {
        return upstreams;
    }

    public ConfigApplier applier() {
        return applier;
    }

    public IstioMetrics metrics() {
        return metrics;
    }

    public Map<String, Long> httpStats() {
        return httpStats.snapshot();
    }

    public List<AccessLogEntry> accessLog() {
        return accessLog.all();
    }

    public AccessLogEntry lastLogEntry() {
        List<AccessLogEntry> all = accessLog.all();
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    /** A client connection accepted by listener {@code listenerName} on {@code localPort}. */
    public Client connect(String listenerName, int localPort) {
        EmbeddedChannel channel = new EmbeddedUpstreams.Addressed(
                new InetSocketAddress("127.0.0.10", localPort),
                new InetSocketAddress("127.0.0.99", 50000 + clients.size()),
                DownstreamHandler.create(listenerName, applier.config()::get, manager));
        channel.freezeTime();
        clients.add(channel);
        return new Client(channel);
    }

    /**
     * A connection accepted by listener {@code listenerName} with the listener's codecs in front (h2c detection, the
     * HTTP/1.1 codec and aggregator), written to and read from as bytes.
     */
    public EmbeddedChannel connectBytes(String listenerName, int localPort) {
        EmbeddedChannel channel = new EmbeddedUpstreams.Addressed(
                new InetSocketAddress("127.0.0.10", localPort),
                new InetSocketAddress("127.0.0.99", 50000 + clients.size()),
                new dev.meshbox.proxy.listener.H2cDetector(1 << 20),
                new io.netty.handler.codec.http.HttpServerCodec(),
                new io.netty.handler.codec.http.HttpObjectAggregator(1 << 20),
                DownstreamHandler.create(listenerName, applier.config()::get, manager));
        channel.freezeTime();
        clients.add(channel);
        return channel;
    }

    /** Moves every clock of this proxy and runs the timers that are due. */
    public void advance(Duration d) {
        ticker.advance(d);
        for (EmbeddedChannel c : clients) {
            c.advanceTimeBy(d.toNanos(), TimeUnit.NANOSECONDS);
            c.runScheduledPendingTasks();
            c.checkException();
        }
    }

    @Override
    public void close() {
        clients.forEach(EmbeddedChannel::finishAndReleaseAll);
        catalog.close();
    }

    /** One downstream connection. */
    public static final class Client {
        private final EmbeddedChannel channel;

        Client(EmbeddedChannel channel) {
            this.channel = channel;
        }

        /** Sends a request; {@code headers} are name, value pairs. */
        public Client send(String method, String uri, String host, String... headers) {
            var request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), uri);
            request.headers().set(HttpHeaderNames.HOST, host);
            for (int i = 0; i < headers.length; i += 2) {
                request.headers().add(headers[i], headers[i + 1]);
            }
            channel.writeInbound(request);
            return this;
        }

        /** Writes {@code request} as the HTTP decoder would hand it over. */
        public Client write(io.netty.handler.codec.http.FullHttpRequest request) {
            channel.writeInbound(request);
            return this;
        }

        public Client get(String uri, String host, String... headers) {
            return send("GET", uri, host, headers);
        }

        /** The next response written to this client, or null when none was. */
        public FullHttpResponse response() {
            channel.runPendingTasks();
            return channel.readOutbound();
        }

        /** The client goes away. */
        public void close() {
            ((EmbeddedUpstreams.Addressed) channel).peerGone();
        }

        public boolean isOpen() {
            return channel.isActive();
        }

        /** The channel, for pipeline events. */
        public EmbeddedChannel channel() {
            return channel;
        }
    }
}
