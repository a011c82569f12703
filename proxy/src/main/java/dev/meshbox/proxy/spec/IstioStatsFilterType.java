package dev.meshbox.proxy.spec;

import dev.meshbox.proxy.route.FilterConfig;

/**
 * {@code istio.stats}: Istio's standard metrics ({@code istio_requests_total} and the rest), recorded when a
 * request ends. Istio sends its {@code stats.PluginConfig} as a {@code TypedStruct}; the metric and dimension
 * overrides it can carry (the Telemetry API's) are not applied yet, so its fields are read for nothing but form.
 */
public final class IstioStatsFilterType implements HttpFilterType {

    public static final String NAME = "istio.stats";
    public static final String TYPE_URL = "type.googleapis.com/stats.PluginConfig";

    /** The standard metrics with Istio's standard labels. */
    public record Config() implements FilterConfig {}

    @Override
    public String typeUrl() {
        return TYPE_URL;
    }

    @Override
    public FilterConfig parse(TypedConfig config, String where) {
        return new Config();
    }
}
