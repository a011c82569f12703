package dev.meshbox.proxy.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class AccessLogTest {

    private static AccessLogEntry entry(String path) {
        return new AccessLogEntry(
                0,
                Instant.parse("2026-11-21T08:00:00.123Z"),
                "GET",
                path,
                "HTTP/1.1",
                503,
                "UH",
                "no_healthy_upstream",
                null,
                null,
                0,
                19,
                3,
                null,
                null,
                "curl/8",
                "id-1",
                "reviews:9080",
                null,
                "outbound|9080|v3|reviews.default.svc.cluster.local",
                null,
                "127.10.0.3:15001",
                "127.10.0.3:51234",
                null,
                "",
                "outbound",
                "0.0.0.0_9080",
                null,
                null);
    }

    @Test
    void formatsInIstiosDefaultLayoutWithDashesForMissingValues() {
        assertThat(entry("/reviews/0").format())
                .isEqualTo("[2026-11-21T08:00:00.123Z] \"GET /reviews/0 HTTP/1.1\" 503 UH "
                        + "no_healthy_upstream - \"-\" 0 19 3 - \"-\" \"curl/8\" \"id-1\" \"reviews:9080\" \"-\" "
                        + "outbound|9080|v3|reviews.default.svc.cluster.local - 127.10.0.3:15001 127.10.0.3:51234 - -");
    }

    @Test
    void keepsTheLastEntriesAndAnswersWhatIsNew() {
        AccessLog log = new AccessLog(3);
        for (int i = 1; i <= 5; i++) {
            log.append(entry("/" + i));
        }
        assertThat(log.all()).extracting(AccessLogEntry::path).containsExactly("/3", "/4", "/5");
        assertThat(log.since(4)).extracting(AccessLogEntry::seq).containsExactly(5L);
        assertThat(log.since(5)).isEmpty();
    }

    @Test
    void entriesReadBackFieldForFieldWithNullsAndNonAsciiText() {
        AccessLog log = new AccessLog(10);
        AccessLogEntry in = new AccessLogEntry(
                0,
                Instant.parse("2026-11-21T08:00:00.123456789Z"),
                "POST",
                "/caf\u00e9/\u2603",
                "HTTP/1.1",
                200,
                null,
                "via_upstream",
                null,
                "connect_failed",
                1024,
                2048,
                17,
                "5",
                "10.0.0.1",
                "agent \uD83D\uDE00",
                "id-2",
                "reviews:9080",
                "127.10.0.5:9080",
                "outbound|9080|v1|reviews",
                "127.10.0.3:40000",
                "127.10.0.3:15001",
                "127.10.0.4:51234",
                null,
                "default",
                "outbound",
                "virtualOutbound",
                "spiffe://cluster.local/ns/default/sa/sleep",
                "14");
        long seq = log.append(in);
        assertThat(seq).isEqualTo(1);
        assertThat(log.all()).containsExactly(in.withSeq(1));
    }

    @Test
    void theByteRingDropsTheOldestEntriesFirstWhenLongEntriesFillItBeforeTheCount() {
        AccessLog log = new AccessLog(1000, 64 * 1024);
        String longPath = "/" + "p".repeat(AccessLog.MAX_FIELD_CHARS);
        for (int i = 1; i <= 200; i++) {
            log.append(entry(i % 7 == 0 ? longPath + i : "/" + i));
        }
        List<AccessLogEntry> kept = log.all();
        // Fewer than 200 fit in 64 KiB with the long ones, and what is kept is the newest run, in order and intact.
        assertThat(kept.size()).isBetween(20, 199);
        assertThat(kept)
                .extracting(AccessLogEntry::seq)
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(201 - kept.size(), 200).boxed().toList());
        for (AccessLogEntry e : kept) {
            String expected = e.seq() % 7 == 0 ? (longPath + e.seq()) : "/" + e.seq();
            // A field longer than the ring allows for is cut, never mixed with a neighbour's bytes.
            assertThat(expected).startsWith(e.path());
            assertThat(e.requestId()).isEqualTo("id-1");
            assertThat(e.listener()).isEqualTo("0.0.0.0_9080");
        }
        assertThat(log.since(200)).isEmpty();
        assertThat(log.since(199)).extracting(AccessLogEntry::path).containsExactly("/200");
    }

    @Test
    void theRingGrowsWithUseAndKeepsEntriesWhileGrowing() {
        AccessLog log = new AccessLog(10_000);
        for (int i = 1; i <= 3000; i++) {
            log.append(entry("/" + i));
        }
        assertThat(log.all()).hasSize(3000);
        assertThat(log.all().get(0).path()).isEqualTo("/1");
        assertThat(log.since(2999)).extracting(AccessLogEntry::path).containsExactly("/3000");
    }

    @Test
    void wrapsAroundTheRingManyTimesKeepingTheCount() {
        AccessLog log = new AccessLog(50, 64 * 1024);
        for (int i = 1; i <= 5000; i++) {
            log.append(entry("/" + i));
        }
        assertThat(log.all()).hasSize(50);
        assertThat(log.all().get(0).path()).isEqualTo("/4951");
        assertThat(log.since(4990))
                .extracting(AccessLogEntry::path)
                .hasSize(10)
                .last()
                .isEqualTo("/5000");
    }
}
