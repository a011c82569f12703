package dev.meshbox.bench;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A light ADS client: what a sidecar does on the wire and nothing more. It opens one state-of-the-world ADS stream,
 * asks for clusters and listeners, then for the endpoints of the EDS clusters and the routes the listeners' HTTP
 * connection managers name, and ACKs every response (NACKs one it cannot parse). It records when it ACKed each
 * route configuration response, which is what the convergence measurement reads.
 */
final class LightAdsClient implements StreamObserver<DiscoveryResponse> {

    static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    static final String ENDPOINT = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
    static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
    static final String ROUTE = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
    private static final String HCM =
            "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";

    private final Node node;
    private final Map<String, List<String>> names = new HashMap<>();
    private final Map<String, String[]> acked = new HashMap<>(); // type -> [version, nonce]
    private final List<Long> routeAckNanos = new ArrayList<>();
    private StreamObserver<DiscoveryRequest> requests;
    private Throwable failure;

    LightAdsClient(String nodeId, String cluster) {
        this.node = Node.newBuilder()
                .setId(nodeId)
                .setCluster(cluster)
                .setUserAgentName("meshbox-bench-ads")
                .build();
    }

    synchronized void start(ManagedChannel channel) {
        requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(this);
        subscribe(CLUSTER, List.of());
        subscribe(LISTENER, List.of());
    }

    /** Whether it has ACKed a response of every type. */
    synchronized boolean synced() {
        return acked.containsKey(CLUSTER)
                && acked.containsKey(LISTENER)
                && acked.containsKey(ENDPOINT)
                && acked.containsKey(ROUTE);
    }

    /** The types it has ACKed, and the names it asks for, for a timeout's message. */
    synchronized String describe() {
        return node.getId() + " acked "
                + acked.keySet().stream()
                        .map(t -> t.substring(t.lastIndexOf('.') + 1))
                        .toList() + " asked " + names;
    }

    synchronized int routeAcks() {
        return routeAckNanos.size();
    }

    /** When the {@code index}-th route configuration response was ACKed (System.nanoTime). */
    synchronized long routeAckNanos(int index) {
        return routeAckNanos.get(index);
    }

    synchronized Throwable failure() {
        return failure;
    }

    void close() {
        StreamObserver<DiscoveryRequest> r;
        synchronized (this) {
            r = requests;
        }
        if (r != null) {
            r.onCompleted();
        }
    }

    @Override
    public synchronized void onNext(DiscoveryResponse response) {
        String type = response.getTypeUrl();
        String error = null;
        List<String> wantedNext = null;
        try {
            if (type.equals(CLUSTER)) {
                wantedNext = edsNames(response.getResourcesList());
            } else if (type.equals(LISTENER)) {
                wantedNext = routeNames(response.getResourcesList());
            }
        } catch (InvalidProtocolBufferException e) {
            error = e.getMessage();
        }
        DiscoveryRequest.Builder ack =
                request(type, names.getOrDefault(type, List.of())).setResponseNonce(response.getNonce());
        if (error == null) {
            ack.setVersionInfo(response.getVersionInfo());
            acked.put(type, new String[] {response.getVersionInfo(), response.getNonce()});
        } else {
            String[] last = acked.get(type);
            ack.setVersionInfo(last == null ? "" : last[0])
                    .setErrorDetail(
                            com.google.rpc.Status.newBuilder().setCode(3).setMessage(error));
        }
        requests.onNext(ack.build());
        if (type.equals(ROUTE) && error == null) {
            routeAckNanos.add(System.nanoTime());
        }
        if (wantedNext != null) {
            String dependent = type.equals(CLUSTER) ? ENDPOINT : ROUTE;
            if (!wantedNext.equals(names.get(dependent))) {
                subscribe(dependent, wantedNext);
            }
        }
    }

    private void subscribe(String type, List<String> resourceNames) {
        names.put(type, resourceNames);
        DiscoveryRequest.Builder r = request(type, resourceNames);
        String[] last = acked.get(type);
        if (last != null) {
            r.setVersionInfo(last[0]).setResponseNonce(last[1]);
        }
        requests.onNext(r.build());
    }

    private DiscoveryRequest.Builder request(String type, List<String> resourceNames) {
        // On every request, as Envoy does by default: java-control-plane finds the snapshot by each request's node.
        return DiscoveryRequest.newBuilder()
                .setTypeUrl(type)
                .addAllResourceNames(resourceNames)
                .setNode(node);
    }

    /**
     * {@code Any.unpack} and {@code Any.is} look the message class's default instance up by reflection on every call;
     * with 1000 clients unpacking every resource they read in this one JVM, that lookup took much of the clients' CPU,
     * from the same two cores the control plane runs on. Comparing the type URL and parsing with the message's parser
     * checks and yields the same.
     */
    private static <T extends com.google.protobuf.Message> T unpack(
            Any any, String typeUrl, com.google.protobuf.Parser<T> parser) throws InvalidProtocolBufferException {
        if (!any.getTypeUrl().equals(typeUrl)) {
            throw new InvalidProtocolBufferException("type URL " + any.getTypeUrl() + " is not " + typeUrl);
        }
        return parser.parseFrom(any.getValue());
    }

    private static List<String> edsNames(List<Any> clusters) throws InvalidProtocolBufferException {
        TreeSet<String> out = new TreeSet<>();
        for (Any any : clusters) {
            if (!any.getTypeUrl().equals(CLUSTER)) {
                throw new InvalidProtocolBufferException("type URL " + any.getTypeUrl() + " is not " + CLUSTER);
            }
            String name = edsName(any.getValue());
            if (name != null) {
                out.add(name);
            }
        }
        return List.copyOf(out);
    }

    /**
     * What {@code Cluster.parseFrom} then {@code hasEdsClusterConfig() ? serviceName or name : null} gives, read off the
     * wire without building the cluster: 1000 clients in one JVM parse every cluster of every CDS response, on the two
     * cores the control plane they measure runs on, where each real sidecar would use its own.
     */
    static String edsName(ByteString cluster) throws InvalidProtocolBufferException {
        try {
            CodedInputStream in = cluster.newCodedInput();
            String name = "";
            String service = null;
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                int field = WireFormat.getTagFieldNumber(tag);
                if (field == Cluster.NAME_FIELD_NUMBER
                        && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    name = in.readStringRequireUtf8();
                } else if (field == Cluster.EDS_CLUSTER_CONFIG_FIELD_NUMBER
                        && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    service = serviceName(
                            in.readBytes()); // the last occurrence wins, as when parsing (merged, really: rare)
                } else if (!in.skipField(tag)) {
                    break;
                }
            }
            return service == null ? null : service.isEmpty() ? name : service;
        } catch (InvalidProtocolBufferException e) {
            throw e;
        } catch (java.io.IOException e) {
            throw new InvalidProtocolBufferException(e);
        }
    }

    private static String serviceName(ByteString edsClusterConfig) throws java.io.IOException {
        CodedInputStream in = edsClusterConfig.newCodedInput();
        String service = "";
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (WireFormat.getTagFieldNumber(tag) == Cluster.EdsClusterConfig.SERVICE_NAME_FIELD_NUMBER
                    && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                service = in.readStringRequireUtf8();
            } else if (!in.skipField(tag)) {
                break;
            }
        }
        return service;
    }

    private static List<String> routeNames(List<Any> listeners) throws InvalidProtocolBufferException {
        TreeSet<String> out = new TreeSet<>();
        for (Any any : listeners) {
            Listener l = unpack(any, LISTENER, Listener.parser());
            for (FilterChain chain : l.getFilterChainsList()) {
                for (Filter f : chain.getFiltersList()) {
                    if (f.hasTypedConfig() && f.getTypedConfig().getTypeUrl().equals(HCM)) {
                        HttpConnectionManager hcm = unpack(f.getTypedConfig(), HCM, HttpConnectionManager.parser());
                        if (hcm.hasRds()) {
                            out.add(hcm.getRds().getRouteConfigName());
                        }
                    }
                }
            }
        }
        return List.copyOf(out);
    }

    @Override
    public synchronized void onError(Throwable t) {
        failure = t;
    }

    @Override
    public void onCompleted() {
        // the server ended the stream; nothing more to ACK
    }
}
