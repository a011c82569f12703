package dev.meshbox.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HeaderPolicyTest {

    @Test
    void hopByHopHeadersAndThoseConnectionNamesAreStripped() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("connection", "keep-alive, x-private")
                .add("keep-alive", "timeout=5")
                .add("transfer-encoding", "chunked")
                .add("x-private", "secret")
                .add("upgrade", "websocket")
                .add("proxy-connection", "keep-alive")
                .add("end-user", "jason")
                .add("x-request-id", "abc");
        HeaderPolicy.stripHopByHop(h);
        assertThat(h.names()).containsExactlyInAnyOrder("end-user", "x-request-id");
    }

    @ParameterizedTest
    @CsvSource({
        "reviews:9080, reviews-shadow:9080",
        "httpbin, httpbin-shadow",
        "httpbin.default.svc.cluster.local:8000, httpbin.default.svc.cluster.local-shadow:8000"
    })
    void shadowHostInsertsTheSuffixBeforeThePort(String host, String shadow) {
        assertThat(HeaderPolicy.shadowHost(host)).isEqualTo(shadow);
    }

    @Test
    void responseFlagsPrintInEnvoysOrder() {
        assertThat(ResponseFlag.format(EnumSet.noneOf(ResponseFlag.class))).isEqualTo("-");
        assertThat(ResponseFlag.format(EnumSet.of(ResponseFlag.URX, ResponseFlag.UF)))
                .isEqualTo("UF,URX");
        assertThat(ResponseFlag.format(EnumSet.of(ResponseFlag.FI, ResponseFlag.DI)))
                .isEqualTo("DI,FI");
    }
}
