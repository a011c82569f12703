package dev.meshbox.proxy.xds;

import com.google.protobuf.Any;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A state-of-the-world ADS client: one bidirectional stream carrying LDS and CDS (wildcard) and RDS and EDS
 * (named). Every response is ACKed (version and nonce echoed) or NACKed (error_detail, version = last
 * accepted). A broken stream is reopened with jittered exponential backoff, re-sending each subscription with
 * its last accepted version. Everything runs on one executor thread, which is also the channel's executor.
 */
public final class AdsClient implements AutoCloseable {

    /** Applies one response; returns null when accepted, else the NACK reason. */
    public interface Handler {
        String apply(String typeUrl, String version, List<Any> resources);
    }

    private static final Logger LOG = LoggerFactory.getLogger(AdsClient.class);
    private static final long MIN_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 5_000;

    private static final class TypeState {
        final String typeUrl;
        Set<String> names = new TreeSet<>();
        boolean subscribed;
        String version = "";
        String nonce = "";
        String nackReason;
        String nackedVersion;
        int repeatedNacks;
        Instant lastUpdate;
        long acks;
        long nacks;
        ScheduledFuture<?> pendingNack;

        TypeState(String typeUrl) {
            this.typeUrl = typeUrl;
        }
    }

    private final ManagedChannel channel;
    private final Node node;
    private final ScheduledExecutorService executor;
    private final Handler handler;
    private final RandomGenerator random;
    private final Clock clock;
    private final Map<String, TypeState> types = new LinkedHashMap<>();
    private volatile Map<String, XdsTypeStatus> published = Map.of();
    private StreamObserver<DiscoveryRequest> requests;
    private int failures;
    private boolean closed;

    public AdsClient(
            ManagedChannel channel,
            NodeIdentity identity,
            ScheduledExecutorService executor,
            Handler handler,
            RandomGenerator random,
            Clock clock) {
        this.channel = channel;
        this.node = identity.toNode();
        this.executor = executor;
        this.handler = handler;
        this.random = random;
        this.clock = clock;
        for (String type : TypeUrls.ALL) {
            types.put(type, new TypeState(type));
        }
        types.get(TypeUrls.CLUSTER).subscribed = true;
        types.get(TypeUrls.LISTENER).subscribed = true;
        publish();
    }

    public void start() {
        executor.execute(this::openStream);
    }

    /**
     * Sets the names of a named type (RDS or EDS). Must run on the executor (the handler runs there). A change
     * is sent at once with the type's last accepted version and nonce.
     */
    public void subscribe(String typeUrl, Set<String> names) {
        TypeState st = types.get(typeUrl);
        Set<String> sorted = new TreeSet<>(names);
        if (st.subscribed && sorted.equals(st.names)) {
            return;
        }
        boolean first = !st.subscribed;
        st.names = sorted;
        st.subscribed = true;
        if (first && sorted.isEmpty()) {
            publish();
            return;
        }
        publish();
        send(st, null);
    }

    /** A copy of each type's status, for {@code /xds_status} and {@code /config_dump}. */
    public Map<String, XdsTypeStatus> status() {
        return published;
    }

    private void openStream() {
        if (closed) {
            return;
        }
        var stub = AggregatedDiscoveryServiceGrpc.newStub(channel).withWaitForReady();
        StreamObserver<DiscoveryRequest>[] holder = newHolder();
        holder[0] = stub.streamAggregatedResources(new StreamObserver<>() {
            @Override
            public void onNext(DiscoveryResponse response) {
                if (requests == holder[0]) {
                    onResponse(response);
                }
            }

            @Override
            public void onError(Throwable t) {
                if (requests == holder[0]) {
                    onStreamClosed(t);
                }
            }

            @Override
            public void onCompleted() {
                if (requests == holder[0]) {
                    onStreamClosed(null);
                }
            }
        });
        requests = holder[0];
        for (TypeState st : types.values()) {
            st.nonce = "";
            if (st.subscribed && (TypeUrls.isWildcard(st.typeUrl) || !st.names.isEmpty())) {
                send(st, null);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static StreamObserver<DiscoveryRequest>[] newHolder() {
        return new StreamObserver[1];
    }

    private void onStreamClosed(Throwable t) {
        requests = null;
        if (closed) {
            return;
        }
        failures++;
        long cap = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS << Math.min(16, failures - 1));
        long delay = cap / 2 + random.nextLong(cap / 2 + 1);
        LOG.info(
                "{}: ADS stream closed ({}); reconnecting in {} ms",
                node.getId(),
                t == null ? "completed" : t.getMessage(),
                delay);
        executor.schedule(this::openStream, delay, TimeUnit.MILLISECONDS);
    }

    private void onResponse(DiscoveryResponse response) {
        failures = 0;
        TypeState st = types.get(response.getTypeUrl());
        if (st == null) {
            LOG.warn("{}: ignoring response of unexpected type {}", node.getId(), response.getTypeUrl());
            return;
        }
        st.nonce = response.getNonce();
        if (st.pendingNack != null) {
            st.pendingNack.cancel(false);
            st.pendingNack = null;
        }
        String error;
        try {
            error = handler.apply(st.typeUrl, response.getVersionInfo(), response.getResourcesList());
        } catch (RuntimeException e) {
            LOG.warn("{}: applying {} failed", node.getId(), TypeUrls.shortName(st.typeUrl), e);
            error = "internal error applying " + TypeUrls.shortName(st.typeUrl) + ": " + e;
        }
        st.lastUpdate = clock.instant();
        if (error == null) {
            st.version = response.getVersionInfo();
            st.nackReason = null;
            st.nackedVersion = null;
            st.repeatedNacks = 0;
            st.acks++;
            publish();
            send(st, null);
            return;
        }
        LOG.warn(
                "{}: NACK {} version {}: {}",
                node.getId(),
                TypeUrls.shortName(st.typeUrl),
                response.getVersionInfo(),
                error);
        st.repeatedNacks = Objects.equals(st.nackedVersion, response.getVersionInfo()) ? st.repeatedNacks + 1 : 0;
        st.nackReason = error;
        st.nackedVersion = response.getVersionInfo();
        st.nacks++;
        publish();
        String reason = error;
        if (st.repeatedNacks == 0) {
            send(st, reason);
        } else {
            // A state-of-the-world server answers a NACK by re-sending what it has; back off so a bad snapshot
            // does not turn into a hot loop, while still telling the server we reject it.
            long delay = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS << Math.min(16, st.repeatedNacks - 1));
            st.pendingNack = executor.schedule(
                    () -> {
                        st.pendingNack = null;
                        send(st, reason);
                    },
                    delay,
                    TimeUnit.MILLISECONDS);
        }
    }

    private void send(TypeState st, String errorDetail) {
        if (requests == null) {
            return;
        }
        DiscoveryRequest.Builder request = DiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(st.typeUrl)
                .setVersionInfo(st.version)
                .setResponseNonce(st.nonce)
                .addAllResourceNames(st.names);
        if (errorDetail != null) {
            request.setErrorDetail(Status.newBuilder().setCode(3).setMessage(errorDetail));
        }
        try {
            requests.onNext(request.build());
        } catch (RuntimeException e) {
            LOG.debug("{}: send failed", node.getId(), e);
        }
    }

    private void publish() {
        Map<String, XdsTypeStatus> out = new LinkedHashMap<>();
        for (TypeState st : types.values()) {
            out.put(
                    st.typeUrl,
                    new XdsTypeStatus(
                            st.typeUrl,
                            st.version,
                            st.nonce,
                            st.nackReason,
                            st.nackedVersion,
                            st.lastUpdate,
                            Set.copyOf(st.names),
                            st.acks,
                            st.nacks));
        }
        published = java.util.Collections.unmodifiableMap(out);
    }

    @Override
    public void close() {
        executor.execute(() -> {
            closed = true;
            StreamObserver<DiscoveryRequest> r = requests;
            requests = null;
            if (r != null) {
                try {
                    r.onCompleted();
                } catch (RuntimeException ignored) {
                    // the stream may already be gone
                }
            }
        });
    }
}
