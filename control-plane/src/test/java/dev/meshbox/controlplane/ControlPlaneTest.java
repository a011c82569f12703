package dev.meshbox.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.testing.BookinfoFixture;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The control plane as its callers see it: config and registry changes in, translations and warnings out. */
class ControlPlaneTest {

    private static final String ROUTE_TO_NOWHERE = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews}
            spec:
              hosts: [reviews]
              http:
              - route:
                - destination: {host: nowhere}
            """;

    private final ControlPlane cp = new ControlPlane();

    @BeforeEach
    void bookinfo() {
        BookinfoFixture.registry().snapshot().services().values().forEach(cp.registry()::putService);
        BookinfoFixture.registry().snapshot().pods().values().forEach(cp.registry()::putPod);
    }

    @AfterEach
    void close() {
        cp.close();
    }

    @Test
    void aRouteToAnUnknownHostIsAWarningUntilItIsRemoved() {
        assertThat(cp.config().apply("vs.yaml", ROUTE_TO_NOWHERE).ok()).isTrue();
        assertThat(cp.warnings()).singleElement().asString().contains("\"nowhere\"");

        cp.config().clear();
        assertThat(cp.warnings()).isEmpty();
    }

    @Test
    void warningsAreNeverSeenEmptyWhileARebuildReplacesThem() throws Exception {
        assertThat(cp.config().apply("vs.yaml", ROUTE_TO_NOWHERE).ok()).isTrue();
        AtomicBoolean rebuilding = new AtomicBoolean(true);
        AtomicLong reads = new AtomicLong();
        CompletableFuture<Long> emptyReads = CompletableFuture.supplyAsync(() -> {
            long empty = 0;
            while (rebuilding.get()) {
                empty += cp.warnings().isEmpty() ? 1 : 0;
                reads.incrementAndGet();
            }
            return empty;
        });
        while (reads.get() == 0) {
            Thread.onSpinWait(); // until the reader runs, so that it reads during the rebuilds
        }
        Pod reviews = BookinfoFixture.REVIEWS_V2;
        for (int i = 0; i < 300; i++) { // each change rebuilds every proxy and replaces the warnings
            cp.registry().putPod(reviews.withReady(i % 2 == 0));
        }
        rebuilding.set(false);

        assertThat(emptyReads.get(1, TimeUnit.MINUTES)).isZero();
        assertThat(reads.get()).isPositive();
        assertThat(cp.warnings()).singleElement().asString().contains("\"nowhere\"");
    }
}
