package dev.meshbox.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Status;
import dev.meshbox.controlplane.xds.AckLedger.Wanted;
import dev.meshbox.controlplane.xds.Convergence.Ending;
import dev.meshbox.controlplane.xds.Convergence.Outcome;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Waiting for proxies, wired to a real ledger as the xDS server wires it, with replies fed in as the streams would.
 * The rescan interval is an hour, so a wait that ends did so because a reply woke it, not because it looked again.
 */
class ConvergenceTest {

    private static final String CDS = Resources.V3.CLUSTER_TYPE_URL;
    private static final Map<String, Wanted> WANT_V1 = Map.of(CDS, new Wanted("v1", Set.of()));
    private static final Duration LONG = Duration.ofMinutes(5);

    private final Convergence convergence = new Convergence(Duration.ofHours(1));
    private final AckLedger ledger = new AckLedger(convergence::heardFrom);
    private int nonces;

    private Outcome await(Set<String> nodes, Duration timeout) throws InterruptedException {
        return convergence.await(nodes, timeout, node -> ledger.sync(node, WANT_V1));
    }

    @Test
    void nodesAlreadyInSyncEndTheWaitAtOnce() throws Exception {
        ackV1("a");
        ackV1("b");

        assertThat(await(Set.of("a", "b"), LONG)).isEqualTo(new Outcome(Ending.CONVERGED, List.of()));
    }

    @Test
    void theWaitEndsWhenTheLastNamedNodeAcks() throws Exception {
        ackV1("a");
        CompletableFuture<Outcome> outcome = CompletableFuture.supplyAsync(() -> awaitUnchecked(Set.of("a", "b")));
        while (convergence.waiting() == 0 && !outcome.isDone()) {
            Thread.onSpinWait(); // until the wait is registered, so that the ACK below is what ends it
        }

        ackV1("b");

        assertThat(outcome.get(LONG.toSeconds(), TimeUnit.SECONDS)).isEqualTo(new Outcome(Ending.CONVERGED, List.of()));
        assertThat(convergence.waiting()).isZero();
    }

    @Test
    void anAckOfAnotherNodeDoesNotEndTheWait() throws Exception {
        CompletableFuture<Outcome> outcome = CompletableFuture.supplyAsync(() -> awaitUnchecked(Set.of("a")));
        while (convergence.waiting() == 0 && !outcome.isDone()) {
            Thread.onSpinWait();
        }

        ackV1("someone-else");
        ackV1("a");

        assertThat(outcome.get(LONG.toSeconds(), TimeUnit.SECONDS).converged()).isTrue();
    }

    @Test
    void aNackOfTheWantedVersionEndsTheWaitNamingTheNode() throws Exception {
        ackV1("a");
        CompletableFuture<Outcome> outcome = CompletableFuture.supplyAsync(() -> awaitUnchecked(Set.of("a", "b")));
        while (convergence.waiting() == 0 && !outcome.isDone()) {
            Thread.onSpinWait();
        }

        nackV1("b");

        assertThat(outcome.get(LONG.toSeconds(), TimeUnit.SECONDS))
                .isEqualTo(new Outcome(Ending.REJECTED, List.of("b")));
    }

    @Test
    void theTimeoutReportsWhoLags() throws Exception {
        ackV1("b");
        respondV1("c"); // sent, not yet ACKed

        Outcome outcome = await(Set.of("c", "a", "b"), Duration.ofMillis(20));

        assertThat(outcome).isEqualTo(new Outcome(Ending.TIMED_OUT, List.of("a", "c")));
        assertThat(outcome.converged()).isFalse();
    }

    @Test
    void noNodesToWaitForIsConverged() throws Exception {
        assertThat(await(Set.of(), Duration.ZERO).converged()).isTrue();
    }

    private Outcome awaitUnchecked(Set<String> nodes) {
        try {
            return await(nodes, LONG);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private String respondV1(String node) {
        ledger.onV3StreamRequest(node.hashCode(), request(node).build());
        String nonce = Integer.toString(++nonces);
        ledger.onV3StreamResponse(
                node.hashCode(),
                request(node).build(),
                DiscoveryResponse.newBuilder()
                        .setTypeUrl(CDS)
                        .setVersionInfo("v1")
                        .setNonce(nonce)
                        .build());
        return nonce;
    }

    private void ackV1(String node) {
        String nonce = respondV1(node);
        ledger.onV3StreamRequest(
                node.hashCode(),
                request(node).setVersionInfo("v1").setResponseNonce(nonce).build());
    }

    private void nackV1(String node) {
        String nonce = respondV1(node);
        ledger.onV3StreamRequest(
                node.hashCode(),
                request(node)
                        .setResponseNonce(nonce)
                        .setErrorDetail(Status.newBuilder().setMessage("bad cluster"))
                        .build());
    }

    private static DiscoveryRequest.Builder request(String node) {
        return DiscoveryRequest.newBuilder()
                .setNode(Node.newBuilder().setId(node))
                .setTypeUrl(CDS);
    }
}
