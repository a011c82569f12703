package dev.meshbox.proxy.spec;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;

/**
 * An extension's {@code typed_config} with any {@code TypedStruct} wrapper taken off: Istio sends its own filters'
 * configs (metadata exchange, stats) as a {@code TypedStruct} naming the type and holding the fields as JSON-like
 * values, and Envoy accepts that form for every extension.
 *
 * @param typeUrl the config's type, the {@code TypedStruct}'s {@code type_url} when wrapped
 * @param packed the config as received
 * @param fields the {@code TypedStruct}'s {@code value}, or null when the config was packed directly
 */
public record TypedConfig(String typeUrl, Any packed, Struct fields) {

    public static final String UDPA_TYPED_STRUCT = "type.googleapis.com/udpa.type.v1.TypedStruct";
    public static final String XDS_TYPED_STRUCT = "type.googleapis.com/xds.type.v3.TypedStruct";

    /** Unwraps a {@code TypedStruct}; {@code where} names the field in errors. */
    public static TypedConfig of(Any any, String where) {
        try {
            if (any.getTypeUrl().equals(UDPA_TYPED_STRUCT)) {
                var s = any.unpack(com.github.udpa.udpa.type.v1.TypedStruct.class);
                return new TypedConfig(s.getTypeUrl(), any, s.getValue());
            }
            if (any.getTypeUrl().equals(XDS_TYPED_STRUCT)) {
                var s = any.unpack(com.github.xds.type.v3.TypedStruct.class);
                return new TypedConfig(s.getTypeUrl(), any, s.getValue());
            }
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(
                    where + ": cannot decode " + any.getTypeUrl() + ": " + e.getMessage(), e);
        }
        return new TypedConfig(any.getTypeUrl(), any, null);
    }

    /** The config as message type {@code type}, from either form; {@code where} names the field in errors. */
    public <M extends Message> M unpack(Class<M> type, Message.Builder builder, String where) {
        try {
            if (fields == null) {
                return packed.unpack(type);
            }
            JsonFormat.parser().merge(JsonFormat.printer().print(fields), builder);
            return type.cast(builder.build());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(where + ": cannot decode " + typeUrl + ": " + e.getMessage(), e);
        }
    }
}
