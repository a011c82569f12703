package dev.meshbox.proxy.forward;

import com.google.common.base.Ticker;
import dev.meshbox.proxy.accesslog.AccessLog;
import dev.meshbox.proxy.stats.IstioMetrics;
import dev.meshbox.proxy.stats.PeerMetadata;
import dev.meshbox.proxy.xds.ProxyConfig;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The services request handling shares within one proxy: the published config, the injected random source,
 * clock and ticker, the access log, the stats, the identity it answers with ({@code server} header) and the one it
 * tells peers about (metadata exchange).
 */
public record ProxyRuntime(
        String serverHeader,
        AtomicReference<ProxyConfig> config,
        RandomSource random,
        Clock clock,
        Ticker ticker,
        AccessLog accessLog,
        HttpStats httpStats,
        IstioMetrics metrics,
        PeerMetadata peer) {}
