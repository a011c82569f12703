package dev.meshbox.bookinfo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** Istio's helloworld sample's two routes, as its app.py answers them. */
class HelloworldAppTest {
    private static final InetSocketAddress PROXY = new InetSocketAddress(InetAddress.getLoopbackAddress(), 15001);

    private final AppClient client = new AppClient();

    @Test
    void helloNamesVersionAndInstanceAndHealthAnswers() {
        AppContext ctx = TestMesh.context("helloworld", "v2", PROXY);
        try (Workload app = Main.workload(new MainArgs(ctx, java.util.Optional.empty(), false, false))) {
            app.start();

            HttpResponse<String> hello = client.get(app, "/hello");
            assertThat(hello.statusCode()).isEqualTo(200);
            assertThat(hello.body()).isEqualTo("Hello version: v2, instance: " + ctx.podName() + "\n");
            assertThat(client.get(app, "/health").body()).isEqualTo("Helloworld is healthy");
        }
    }
}
