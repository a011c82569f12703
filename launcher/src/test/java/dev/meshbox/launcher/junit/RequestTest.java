package dev.meshbox.launcher.junit;

import static dev.meshbox.launcher.junit.Request.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestTest {

    @Test
    void aRequestIsAValueBuiltStepByStep() {
        Request base = get("http://reviews.default.svc.cluster.local:9080/reviews/0");
        Request jason =
                base.from("productpage").user("jason").header("X-Beta", "1").concurrency(4);
        assertThat(base.from()).isEqualTo("ingress");
        assertThat(base.headers()).isEmpty();
        assertThat(jason.headers()).isEqualTo(Map.of("end-user", "jason", "x-beta", "1"));
        assertThat(jason.concurrency()).isEqualTo(4);
        assertThat(base.host("www.example.com").headers()).isEqualTo(Map.of("host", "www.example.com"));
        assertThat(jason.service()).isEqualTo("reviews");
        assertThat(get("/productpage").service()).isEmpty();
        assertThat(Request.of("delete", "http://httpbin:8000/anything").method())
                .isEqualTo("DELETE");
    }

    @Test
    void mistakesAreNamed() {
        assertThatThrownBy(() -> get("reviews:9080/")).hasMessageContaining("url: expected http://service:port/path");
        assertThatThrownBy(() -> get("/").concurrency(0)).hasMessage("concurrency: expected 1 to 64, got 0");
        assertThatThrownBy(() -> get("/").from(" ")).hasMessageContaining("from: expected \"ingress\" or a workload");
    }
}
