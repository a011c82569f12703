package dev.meshbox.proxy.stats;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Istio's HTTP metadata exchange: a sidecar adds {@code x-envoy-peer-metadata-id} (its node id) and
 * {@code x-envoy-peer-metadata} (base64 of a serialized {@code google.protobuf.Struct} with {@code NAME},
 * {@code NAMESPACE}, {@code WORKLOAD_NAME}, {@code CLUSTER_ID} and {@code LABELS}) to what it sends to a peer, and strips them from
 * what it hands to its app. The own value is encoded once; decoded peers are cached by header value.
 */
public final class PeerMetadata {

    public static final String ID_HEADER = "x-envoy-peer-metadata-id";
    public static final String HEADER = "x-envoy-peer-metadata";
    private static final int CACHE_LIMIT = 1024;

    private final String nodeId;
    private final String encoded;
    private final Workload self;
    private final ConcurrentHashMap<String, Workload> decoded = new ConcurrentHashMap<>();

    public PeerMetadata(String nodeId, Workload self, Map<String, String> labels) {
        this.nodeId = nodeId;
        this.self = self;
        Struct.Builder labelStruct = Struct.newBuilder();
        labels.forEach((k, v) -> labelStruct.putFields(k, string(v)));
        Struct metadata = Struct.newBuilder()
                .putFields("NAME", string(self.pod()))
                .putFields("NAMESPACE", string(self.namespace()))
                .putFields("WORKLOAD_NAME", string(self.name()))
                .putFields("CLUSTER_ID", string(self.cluster()))
                .putFields(
                        "LABELS", Value.newBuilder().setStructValue(labelStruct).build())
                .build();
        this.encoded = Base64.getEncoder().encodeToString(metadata.toByteArray());
    }

    private static Value string(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }

    public String nodeId() {
        return nodeId;
    }

    /** This proxy's own header value. */
    public String encoded() {
        return encoded;
    }

    public Workload self() {
        return self;
    }

    /** The peer a header value describes, or {@link Workload#NONE} when it is absent or unreadable. */
    public Workload decode(String header) {
        if (header == null || header.isEmpty()) {
            return Workload.NONE;
        }
        Workload w = decoded.get(header);
        if (w != null) {
            return w;
        }
        w = parse(header);
        if (decoded.size() >= CACHE_LIMIT) {
            decoded.clear();
        }
        decoded.put(header, w);
        return w;
    }

    static Workload parse(String header) {
        try {
            Struct s = Struct.parseFrom(Base64.getDecoder().decode(header.trim()));
            Map<String, String> labels = new HashMap<>();
            Value l = s.getFieldsMap().get("LABELS");
            if (l != null && l.hasStructValue()) {
                l.getStructValue().getFieldsMap().forEach((k, v) -> labels.put(k, v.getStringValue()));
            }
            return Workload.of(field(s, "NAME"), field(s, "NAMESPACE"), labels, field(s, "WORKLOAD_NAME"))
                    .inCluster(field(s, "CLUSTER_ID"));
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            return Workload.NONE;
        }
    }

    private static String field(Struct s, String name) {
        Value v = s.getFieldsMap().get(name);
        return v == null ? null : v.getStringValue();
    }
}
