package dev.meshbox.proxy.spec;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.Descriptor;

/**
 * Descriptors of the Istio messages Istio's control plane packs directly (not as a {@code TypedStruct}) and that
 * Envoy's API does not include, written out here from istio/api so the proxy can read them and print them in
 * {@code /config_dump}: {@code istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig}.
 */
public final class IstioProtos {

    /** {@code FilterConfig { repeated AlpnOverride alpn_override = 1; }}. */
    public static final Descriptor ALPN_FILTER_CONFIG = alpn().findMessageTypeByName("FilterConfig");

    private IstioProtos() {}

    private static Descriptors.FileDescriptor alpn() {
        FieldDescriptorProto.Builder field = FieldDescriptorProto.newBuilder();
        DescriptorProto override = DescriptorProto.newBuilder()
                .setName("AlpnOverride")
                .addField(field.clone()
                        .setName("upstream_protocol")
                        .setNumber(1)
                        .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL)
                        .setType(FieldDescriptorProto.Type.TYPE_ENUM)
                        .setTypeName(".istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig.Protocol"))
                .addField(field.clone()
                        .setName("alpn_override")
                        .setNumber(2)
                        .setLabel(FieldDescriptorProto.Label.LABEL_REPEATED)
                        .setType(FieldDescriptorProto.Type.TYPE_STRING))
                .build();
        EnumDescriptorProto protocol = EnumDescriptorProto.newBuilder()
                .setName("Protocol")
                .addValue(
                        EnumValueDescriptorProto.newBuilder().setName("HTTP10").setNumber(0))
                .addValue(
                        EnumValueDescriptorProto.newBuilder().setName("HTTP11").setNumber(1))
                .addValue(EnumValueDescriptorProto.newBuilder().setName("HTTP2").setNumber(2))
                .build();
        DescriptorProto config = DescriptorProto.newBuilder()
                .setName("FilterConfig")
                .addNestedType(override)
                .addEnumType(protocol)
                .addField(field.clone()
                        .setName("alpn_override")
                        .setNumber(1)
                        .setLabel(FieldDescriptorProto.Label.LABEL_REPEATED)
                        .setType(FieldDescriptorProto.Type.TYPE_MESSAGE)
                        .setTypeName(".istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig.AlpnOverride"))
                .build();
        FileDescriptorProto file = FileDescriptorProto.newBuilder()
                .setName("envoy/config/filter/http/alpn/v2alpha1/config.proto")
                .setPackage("istio.envoy.config.filter.http.alpn.v2alpha1")
                .setSyntax("proto3")
                .addMessageType(config)
                .build();
        try {
            return Descriptors.FileDescriptor.buildFrom(file, new Descriptors.FileDescriptor[0]);
        } catch (Descriptors.DescriptorValidationException e) {
            throw new IllegalStateException(e);
        }
    }
}
