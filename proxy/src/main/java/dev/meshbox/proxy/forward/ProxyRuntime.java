package dev.meshbox.proxy.forward;

import com.google.common.base.Ticker;
import dev.meshbox.proxy.accesslog.AccessLog;
import dev.meshbox.proxy.xds.ProxyConfig;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;

/**
 * The services request handling shares within one proxy: the published config, the injected random source,
 * clock and ticker, the access log, and the identity it answers with ({@code server} header).
 */
public record ProxyRuntime(String serverHeader, AtomicReference<ProxyConfig> config, RandomGenerator random,
                           Clock clock, Ticker ticker, AccessLog accessLog,
                           HttpStats httpStats) {
}
