package dev.meshbox.launcher.backend;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;

/** A pod's ProxyConfig JSON ({@code proxy.istio.io/config}, already validated by the manifest reader) as a Struct. */
final class ProxyConfigJson {

    private ProxyConfigJson() {}

    static Struct struct(String json) {
        if (json == null || json.isBlank()) {
            return Struct.getDefaultInstance();
        }
        Struct.Builder b = Struct.newBuilder();
        try {
            JsonFormat.parser().merge(json, b);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("proxy.istio.io/config: not a JSON object: " + json, e);
        }
        return b.build();
    }
}
