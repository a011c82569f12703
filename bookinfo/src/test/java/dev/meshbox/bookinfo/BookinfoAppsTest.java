package dev.meshbox.bookinfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.junit.jupiter.api.Test;

class BookinfoAppsTest {
    private static final InetSocketAddress PROXY = new InetSocketAddress(InetAddress.getLoopbackAddress(), 15001);

    @Test
    void unknownServiceIsRejectedByName() {
        assertThatThrownBy(() -> BookinfoApps.create(TestMesh.context("httpbin", "v1", PROXY)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'httpbin'");
    }

    @Test
    void unknownVersionIsRejectedWithServiceAndVersion() {
        assertThatThrownBy(() -> BookinfoApps.create(TestMesh.context("reviews", "v4", PROXY)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'reviews'")
                .hasMessageContaining("'v4'");
        assertThatThrownBy(() -> BookinfoApps.create(TestMesh.context("ratings", "v2", PROXY)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'ratings'")
                .hasMessageContaining("'v2'");
    }

    @Test
    void startsOnASmallPoolAndCloseIsIdempotentAndFreesThePort() throws IOException {
        Workload ratings = BookinfoApps.create(TestMesh.context("ratings", "v1", PROXY));
        long start = System.nanoTime();
        ratings.start();
        long startMillis = (System.nanoTime() - start) / 1_000_000;
        InetSocketAddress bound = ratings.address();
        assertThat(bound.getPort()).isPositive();
        try (Socket probe = new Socket(bound.getAddress(), bound.getPort())) {
            assertThat(probe.isConnected()).isTrue();
        }
        long threads = jettyThreads("ratings-v1-test-http");
        System.out.printf("ratings v1 started in %d ms with %d pool threads%n", startMillis, threads);

        ratings.close();
        ratings.close();

        assertThat(threads).isBetween(1L, 32L);
        assertThatThrownBy(() -> new Socket(bound.getAddress(), bound.getPort()).close())
                .isInstanceOf(IOException.class);
        assertThatThrownBy(ratings::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void twoAppsCannotShareAPort() {
        try (Workload first = BookinfoApps.create(TestMesh.context("details", "v1", PROXY))) {
            first.start();
            AppContext clash = new AppContext("details", "v1", "details-v1-b", "default", first.address(), PROXY);
            try (Workload second = BookinfoApps.create(clash)) {
                assertThatThrownBy(second::start)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("details-v1-b")
                        .hasMessageContaining(String.valueOf(first.address().getPort()));
            }
        }
    }

    private static long jettyThreads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(prefix))
                .count();
    }
}
