package dev.meshbox.webui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AccessLogTailTest {

    @Test
    void theCursorIsEachPodsLastSequenceNumberAndReadsBack() {
        Map<String, Long> seqs = new LinkedHashMap<>();
        seqs.put("reviews-v1-abc-xyz", 12L);
        seqs.put("istio-ingressgateway-1", 3L);

        String cursor = AccessLogTail.renderCursor(seqs);

        assertThat(cursor).isEqualTo("reviews-v1-abc-xyz:12,istio-ingressgateway-1:3");
        assertThat(AccessLogTail.parseCursor(cursor)).isEqualTo(seqs);
        assertThat(AccessLogTail.parseCursor("")).isEmpty();
    }

    @Test
    void aBrokenCursorIsA400() {
        assertThatThrownBy(() -> AccessLogTail.parseCursor("reviews:twelve"))
                .isInstanceOf(ApiException.class)
                .hasMessageStartingWith("since:");
        assertThatThrownBy(() -> AccessLogTail.parseCursor("12")).isInstanceOf(ApiException.class);
    }
}
