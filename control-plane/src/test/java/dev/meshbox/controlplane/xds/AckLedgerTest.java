package dev.meshbox.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Status;
import dev.meshbox.controlplane.xds.AckLedger.Wanted;
import dev.meshbox.controlplane.xds.Convergence.Sync;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The ledger driven the way java-control-plane drives it: a proxy's request opens a stream, each response is recorded
 * as sent, and the proxy's next request on the type ACKs or NACKs it.
 */
class AckLedgerTest {

    private static final String CDS = Resources.V3.CLUSTER_TYPE_URL;
    private static final String EDS = Resources.V3.ENDPOINT_TYPE_URL;
    private static final String NODE = "sidecar~127.10.0.1~productpage-v1.default~default.svc.cluster.local";

    private final List<String> replies = new ArrayList<>();
    private final AckLedger ledger = new AckLedger(replies::add);
    private int nonces;

    @Test
    void anAckOfTheWantedVersionIsInSync() {
        subscribe(1, CDS);
        String nonce = respond(1, CDS, "v1");
        ack(1, CDS, "v1", nonce);

        Map<String, Wanted> want = Map.of(CDS, new Wanted("v1", Set.of()));
        assertThat(ledger.sync(NODE, want)).isEqualTo(Sync.SYNCED);
        ProxyStatus.TypeStatus cds = ledger.status(NODE, want).types().get("CDS");
        assertThat(cds.sent()).isEqualTo("v1");
        assertThat(cds.acked()).isEqualTo("v1");
        assertThat(cds.synced()).isTrue();
        assertThat(replies).containsExactly(NODE);
    }

    @Test
    void aVersionSentButNotYetAckedLags() {
        subscribe(1, CDS);
        respond(1, CDS, "v1");

        assertThat(ledger.sync(NODE, Map.of(CDS, new Wanted("v1", Set.of())))).isEqualTo(Sync.LAGGING);
        assertThat(replies).isEmpty();
    }

    @Test
    void aNackOfTheWantedVersionIsRejectedWithItsReasonUntilANewerVersionIsAcked() {
        subscribe(1, CDS);
        String first = respond(1, CDS, "v1");
        ack(1, CDS, "v1", first);
        String second = respond(1, CDS, "v2");
        nack(1, CDS, "v1", second, "cluster reviews: unknown lb policy");

        Map<String, Wanted> wantV2 = Map.of(CDS, new Wanted("v2", Set.of()));
        assertThat(ledger.sync(NODE, wantV2)).isEqualTo(Sync.REJECTED);
        ProxyStatus status = ledger.status(NODE, wantV2);
        assertThat(status.rejected()).isTrue();
        assertThat(status.types().get("CDS"))
                .extracting(
                        ProxyStatus.TypeStatus::acked,
                        ProxyStatus.TypeStatus::nacked,
                        ProxyStatus.TypeStatus::nackReason)
                .containsExactly("v1", "v2", "cluster reviews: unknown lb policy");

        // The control plane fixes its translation and sends v3; the proxy takes it.
        String third = respond(1, CDS, "v3");
        ack(1, CDS, "v3", third);
        assertThat(ledger.sync(NODE, Map.of(CDS, new Wanted("v3", Set.of())))).isEqualTo(Sync.SYNCED);
        assertThat(replies).containsExactly(NODE, NODE, NODE);
    }

    @Test
    void anAckCoversTheNamesOfTheResponseItAcksNotOfTheLatestOne() {
        subscribe(1, EDS, "outbound|9080||reviews");
        String forOne = respond(1, EDS, "e1", "outbound|9080||reviews");
        // The proxy learns of a second cluster and asks again before ACKing: a response for both goes out.
        String forTwo = respond(1, EDS, "e1", "outbound|9080||reviews", "outbound|9080||ratings");
        Map<String, Wanted> want =
                Map.of(EDS, new Wanted("e1", Set.of("outbound|9080||reviews", "outbound|9080||ratings")));

        ack(1, EDS, "e1", forOne);
        assertThat(ledger.sync(NODE, want)).isEqualTo(Sync.LAGGING);
        assertThat(ledger.status(NODE, want).types().get("EDS").acked())
                .isEqualTo("e1 (not yet for outbound|9080||ratings)");

        ack(1, EDS, "e1", forTwo);
        assertThat(ledger.sync(NODE, want)).isEqualTo(Sync.SYNCED);
    }

    @Test
    void theSameVersionResentUnderANewNonceIsAckedByEither() {
        subscribe(1, EDS, "outbound|9080||reviews");
        respond(1, EDS, "e1", "outbound|9080||reviews");
        String resent = respond(1, EDS, "e1", "outbound|9080||reviews");
        ack(1, EDS, "e1", resent);

        assertThat(ledger.sync(NODE, Map.of(EDS, new Wanted("e1", Set.of("outbound|9080||reviews")))))
                .isEqualTo(Sync.SYNCED);
    }

    @Test
    void aWildcardRequestCoversEveryName() {
        subscribe(1, EDS);
        String nonce = respond(1, EDS, "e1");
        ack(1, EDS, "e1", nonce);

        assertThat(ledger.sync(NODE, Map.of(EDS, new Wanted("e1", Set.of("a", "b")))))
                .isEqualTo(Sync.SYNCED);
    }

    @Test
    void onlyTheLastSixteenResponsesAreMatchedByNonce() {
        subscribe(1, EDS, "a");
        String oldest = respond(1, EDS, "e1", "a");
        for (int i = 0; i < AckLedger.RECENT; i++) {
            respond(1, EDS, "e1", "b");
        }
        ack(1, EDS, "e1", oldest);

        // The ACK is recorded, but for which names is no longer known: not in sync for "a".
        assertThat(ledger.sync(NODE, Map.of(EDS, new Wanted("e1", Set.of("a")))))
                .isEqualTo(Sync.LAGGING);
        assertThat(ledger.status(NODE, Map.of()).types().get("EDS").acked()).isEqualTo("e1");
    }

    @Test
    void nothingWantedOfATypeIsInSyncWithoutAnAck() {
        assertThat(ledger.sync(NODE, Map.of(EDS, Wanted.NOTHING))).isEqualTo(Sync.SYNCED);
        assertThat(ledger.status(NODE, Map.of()).synced()).isTrue();
    }

    @Test
    void aNodeIsConnectedWhileOneOfItsStreamsIsOpen() {
        subscribe(1, CDS);
        subscribe(2, CDS); // reconnecting: the new stream opens before the old one closes
        ledger.onStreamClose(1, CDS);
        assertThat(ledger.status(NODE, Map.of()).connected()).isTrue();

        ledger.onStreamCloseWithError(2, CDS, new RuntimeException("reset"));
        assertThat(ledger.status(NODE, Map.of()).connected()).isFalse();
    }

    @Test
    void aForgottenNodeLosesItsHistoryButNotItsOpenStream() {
        subscribe(1, CDS);
        ack(1, CDS, "v1", respond(1, CDS, "v1"));

        ledger.forget(NODE);

        ProxyStatus status = ledger.status(NODE, Map.of(CDS, new Wanted("v1", Set.of())));
        assertThat(status.types().get("CDS").acked()).isEmpty();
        assertThat(status.connected()).isTrue();
    }

    @Test
    void aReplyOnAStreamNamesItsNodeOnlyInItsFirstRequest() {
        subscribe(1, CDS);
        String nonce = respond(1, CDS, "v1");
        ledger.onV3StreamRequest(
                1,
                DiscoveryRequest.newBuilder()
                        .setTypeUrl(CDS)
                        .setVersionInfo("v1")
                        .setResponseNonce(nonce)
                        .build());

        assertThat(ledger.sync(NODE, Map.of(CDS, new Wanted("v1", Set.of())))).isEqualTo(Sync.SYNCED);
    }

    private void subscribe(long stream, String type, String... names) {
        ledger.onV3StreamRequest(stream, request(type, names).build());
    }

    /** Records a response on the stream, as the server does after sending it; returns its nonce. */
    private String respond(long stream, String type, String version, String... names) {
        String nonce = Integer.toString(++nonces);
        ledger.onV3StreamResponse(
                stream,
                request(type, names).build(),
                DiscoveryResponse.newBuilder()
                        .setTypeUrl(type)
                        .setVersionInfo(version)
                        .setNonce(nonce)
                        .build());
        return nonce;
    }

    private void ack(long stream, String type, String version, String nonce) {
        ledger.onV3StreamRequest(
                stream,
                request(type).setVersionInfo(version).setResponseNonce(nonce).build());
    }

    private void nack(long stream, String type, String heldVersion, String nonce, String reason) {
        ledger.onV3StreamRequest(
                stream,
                request(type)
                        .setVersionInfo(heldVersion)
                        .setResponseNonce(nonce)
                        .setErrorDetail(Status.newBuilder()
                                .setCode(io.grpc.Status.Code.INVALID_ARGUMENT.value())
                                .setMessage(reason))
                        .build());
    }

    private static DiscoveryRequest.Builder request(String type, String... names) {
        return DiscoveryRequest.newBuilder()
                .setNode(Node.newBuilder().setId(NODE))
                .setTypeUrl(type)
                .addAllResourceNames(List.of(names));
    }
}
