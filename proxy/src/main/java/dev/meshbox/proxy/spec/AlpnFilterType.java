package dev.meshbox.proxy.spec;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.meshbox.proxy.route.FilterConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code istio.alpn}, which Istio puts on outbound connection managers: it picks the ALPN list an upstream TLS
 * connection offers by the upstream's HTTP version ({@code istio-http/1.1}, {@code istio}, {@code http/1.1} for
 * HTTP/1.1), so that the server side tells Istio's mTLS apart from an app's own TLS. Its message is Istio's own
 * ({@link IstioProtos#ALPN_FILTER_CONFIG}).
 */
public final class AlpnFilterType implements HttpFilterType {

    public static final String NAME = "istio.alpn";
    public static final String TYPE_URL = "type.googleapis.com/" + IstioProtos.ALPN_FILTER_CONFIG.getFullName();

    /** @param alpnByProtocol the ALPN list per upstream protocol ({@code HTTP10}, {@code HTTP11}, {@code HTTP2}) */
    public record Config(Map<String, List<String>> alpnByProtocol) implements FilterConfig {
        public Config {
            alpnByProtocol = Map.copyOf(alpnByProtocol);
        }
    }

    @Override
    public String typeUrl() {
        return TYPE_URL;
    }

    @Override
    public FilterConfig parse(TypedConfig config, String where) {
        Message message;
        try {
            if (config.fields() == null) {
                message = DynamicMessage.parseFrom(
                        IstioProtos.ALPN_FILTER_CONFIG, config.packed().getValue());
            } else {
                DynamicMessage.Builder builder = DynamicMessage.newBuilder(IstioProtos.ALPN_FILTER_CONFIG);
                JsonFormat.parser().merge(JsonFormat.printer().print(config.fields()), builder);
                message = builder.build();
            }
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(where + ": cannot decode " + TYPE_URL + ": " + e.getMessage(), e);
        }
        FieldDescriptor overrides = IstioProtos.ALPN_FILTER_CONFIG.findFieldByName("alpn_override");
        FieldDescriptor protocol = overrides.getMessageType().findFieldByName("upstream_protocol");
        FieldDescriptor alpn = overrides.getMessageType().findFieldByName("alpn_override");
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (int i = 0; i < message.getRepeatedFieldCount(overrides); i++) {
            Message entry = (Message) message.getRepeatedField(overrides, i);
            List<String> names = new ArrayList<>();
            for (int j = 0; j < entry.getRepeatedFieldCount(alpn); j++) {
                names.add((String) entry.getRepeatedField(alpn, j));
            }
            var value = (com.google.protobuf.Descriptors.EnumValueDescriptor) entry.getField(protocol);
            out.put(value.getName(), List.copyOf(names));
        }
        return new Config(out);
    }
}
