package dev.meshbox.proxy.spec;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.meshbox.proxy.tracing.TracingConfig;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.type.tracing.v3.CustomTag;
import io.envoyproxy.envoy.type.v3.Percent;
import java.util.ArrayList;
import java.util.List;

/**
 * An HTTP connection manager's {@code tracing} into a {@link TracingConfig}: the sampling percentages (Envoy's
 * defaults, 100 %, where unset), the Zipkin provider's collector and the custom tags. Only
 * {@code envoy.tracers.zipkin} reports; another provider leaves the config without a collector (headers still
 * propagate). A percentage outside 0..100 or an unreadable Zipkin config is refused, naming the field.
 */
final class TracingConverter {

    static final String ZIPKIN = "envoy.tracers.zipkin";

    private TracingConverter() {}

    static TracingConfig convert(HttpConnectionManager m, String where) {
        if (!m.hasTracing()) {
            return null;
        }
        HttpConnectionManager.Tracing t = m.getTracing();
        String at = where + ".tracing";
        String cluster = null;
        String endpoint = null;
        if (t.hasProvider() && t.getProvider().getName().equals(ZIPKIN)) {
            ZipkinConfig z;
            try {
                z = t.getProvider().getTypedConfig().unpack(ZipkinConfig.class);
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalArgumentException(
                        at + ".provider.typed_config: not an envoy.config.trace.v3.ZipkinConfig: " + e.getMessage(), e);
            }
            if (z.getCollectorCluster().isEmpty()) {
                throw new IllegalArgumentException(at + ".provider.typed_config.collector_cluster: is required");
            }
            if (!z.getCollectorEndpoint().startsWith("/")) {
                throw new IllegalArgumentException(at + ".provider.typed_config.collector_endpoint: must start with"
                        + " \"/\", got \"" + z.getCollectorEndpoint() + "\"");
            }
            cluster = z.getCollectorCluster();
            endpoint = z.getCollectorEndpoint();
        }
        List<TracingConfig.CustomTag> tags = new ArrayList<>();
        for (CustomTag c : t.getCustomTagsList()) {
            switch (c.getTypeCase()) {
                case LITERAL ->
                    tags.add(new TracingConfig.CustomTag(
                            c.getTag(),
                            TracingConfig.CustomTag.Kind.LITERAL,
                            "",
                            c.getLiteral().getValue()));
                case ENVIRONMENT ->
                    tags.add(new TracingConfig.CustomTag(
                            c.getTag(),
                            TracingConfig.CustomTag.Kind.ENVIRONMENT,
                            c.getEnvironment().getName(),
                            c.getEnvironment().getDefaultValue()));
                case REQUEST_HEADER ->
                    tags.add(new TracingConfig.CustomTag(
                            c.getTag(),
                            TracingConfig.CustomTag.Kind.REQUEST_HEADER,
                            c.getRequestHeader().getName(),
                            c.getRequestHeader().getDefaultValue()));
                default -> {} // metadata tags: not simulated
            }
        }
        return new TracingConfig(
                percent(t.hasClientSampling(), t.getClientSampling(), at + ".client_sampling"),
                percent(t.hasRandomSampling(), t.getRandomSampling(), at + ".random_sampling"),
                percent(t.hasOverallSampling(), t.getOverallSampling(), at + ".overall_sampling"),
                cluster,
                endpoint,
                false,
                t.hasMaxPathTagLength() ? t.getMaxPathTagLength().getValue() : 0,
                tags);
    }

    private static double percent(boolean set, Percent p, String where) {
        if (!set) {
            return 100;
        }
        if (!(p.getValue() >= 0 && p.getValue() <= 100)) {
            throw new IllegalArgumentException(where + ".value: must be in [0, 100], got " + p.getValue());
        }
        return p.getValue();
    }
}
