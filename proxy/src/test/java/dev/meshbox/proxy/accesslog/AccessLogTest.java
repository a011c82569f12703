package dev.meshbox.proxy.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class AccessLogTest {

  private static AccessLogEntry entry(String path) {
    return new AccessLogEntry(0, Instant.parse("2026-11-21T08:00:00.123Z"), "GET", path, "HTTP/1.1", 503, "UH",
        "no_healthy_upstream", null, null, 0, 19, 3, null, null, "curl/8", "id-1", "reviews:9080", null,
        "outbound|9080|v3|reviews.default.svc.cluster.local", null, "127.10.0.3:15001", "127.10.0.3:51234", null,
        "", "outbound", "0.0.0.0_9080");
  }

  @Test
  void formatsInIstiosDefaultLayoutWithDashesForMissingValues() {
    assertThat(entry("/reviews/0").format()).isEqualTo("[2026-11-21T08:00:00.123Z] \"GET /reviews/0 HTTP/1.1\" 503 UH "
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
}
