package dev.meshbox.proxy.filter;

import com.google.common.base.Ticker;
import dev.meshbox.proxy.http.HttpFilter;
import dev.meshbox.proxy.http.HttpFilterChain;
import dev.meshbox.proxy.rbac.RbacFilterConfig;
import dev.meshbox.proxy.route.FaultPolicy;
import dev.meshbox.proxy.router.RouterFilter;
import dev.meshbox.proxy.spec.AlpnFilterType;
import dev.meshbox.proxy.spec.CorsFilterType;
import dev.meshbox.proxy.spec.FaultFilterType;
import dev.meshbox.proxy.spec.GrpcStatsFilterType;
import dev.meshbox.proxy.spec.HcmSpec;
import dev.meshbox.proxy.spec.HttpFilterSpec;
import dev.meshbox.proxy.spec.IstioStatsFilterType;
import dev.meshbox.proxy.spec.JwtAuthnConfig;
import dev.meshbox.proxy.spec.JwtAuthnFilterType;
import dev.meshbox.proxy.spec.MetadataExchangeFilterType;
import dev.meshbox.proxy.spec.RbacFilterType;
import dev.meshbox.proxy.spec.RouterFilterType;
import dev.meshbox.proxy.stats.HttpStats;
import dev.meshbox.proxy.stats.IstioMetrics;
import dev.meshbox.proxy.stats.PeerMetadata;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Makes the running filters of a connection manager from its parsed {@code http_filters}, by config type URL: the
 * runtime half of the registry whose parsing half is {@link dev.meshbox.proxy.spec.HttpFilterTypes}. A chain is built
 * once per listener update and shared by every request of that connection manager.
 */
public final class HttpFilterFactory {

    /** What the built-in filters need from their proxy. */
    public record Services(Ticker ticker, PeerMetadata peerMetadata, IstioMetrics metrics, HttpStats httpStats) {
        public Services(Ticker ticker, PeerMetadata peerMetadata, IstioMetrics metrics) {
            this(ticker, peerMetadata, metrics, new HttpStats());
        }
    }

    private final Map<String, Function<HttpFilterSpec, HttpFilter>> byTypeUrl = new HashMap<>();

    public HttpFilterFactory(Services services) {
        ServiceNames serviceNames = new ServiceNames();
        byTypeUrl.put(
                RouterFilterType.TYPE_URL,
                s -> new RouterFilter(s.name(), (RouterFilterType.Config) s.config(), services.ticker()));
        byTypeUrl.put(FaultFilterType.TYPE_URL, s -> new FaultFilter(s.name(), (FaultPolicy) s.config()));
        byTypeUrl.put(CorsFilterType.TYPE_URL, s -> new CorsFilter(s.name()));
        byTypeUrl.put(
                MetadataExchangeFilterType.TYPE_URL,
                s -> new MetadataExchangeFilter(
                        s.name(), (MetadataExchangeFilterType.Config) s.config(), services.peerMetadata()));
        byTypeUrl.put(GrpcStatsFilterType.TYPE_URL, s -> new GrpcStatsFilter(s.name()));
        byTypeUrl.put(AlpnFilterType.TYPE_URL, s -> new AlpnFilter(s.name(), (AlpnFilterType.Config) s.config()));
        byTypeUrl.put(JwtAuthnFilterType.TYPE_URL, s -> new JwtAuthnFilter(s.name(), (JwtAuthnConfig) s.config()));
        byTypeUrl.put(
                RbacFilterType.TYPE_URL,
                s -> new RbacFilter(s.name(), (RbacFilterConfig) s.config(), services.httpStats()));
        byTypeUrl.put(
                dev.meshbox.proxy.spec.ExtAuthzFilterType.TYPE_URL,
                s -> new ExtAuthzFilter(s.name(), (dev.meshbox.proxy.spec.ExtAuthzConfig) s.config()));
        byTypeUrl.put(
                IstioStatsFilterType.TYPE_URL,
                s -> new IstioStatsFilter(s.name(), services.peerMetadata().self(), services.metrics(), serviceNames));
    }

    /** Adds the filter made for {@code typeUrl} (tests register probe filters this way); returns this factory. */
    public HttpFilterFactory with(String typeUrl, Function<HttpFilterSpec, HttpFilter> make) {
        byTypeUrl.put(typeUrl, make);
        return this;
    }

    /** The type URLs this factory makes filters for. */
    public Set<String> typeUrls() {
        return byTypeUrl.keySet();
    }

    /** The filter chain of one connection manager. */
    public HttpFilterChain chain(HcmSpec hcm) {
        List<HttpFilterChain.Entry> entries = new ArrayList<>(hcm.httpFilters().size());
        for (HttpFilterSpec spec : hcm.httpFilters()) {
            Function<HttpFilterSpec, HttpFilter> make = byTypeUrl.get(spec.typeUrl());
            if (make == null) {
                throw new IllegalArgumentException(
                        "HTTP filter " + spec.name() + ": no implementation for " + spec.typeUrl());
            }
            entries.add(new HttpFilterChain.Entry(make.apply(spec), spec.disabled()));
        }
        return new HttpFilterChain(entries);
    }
}
