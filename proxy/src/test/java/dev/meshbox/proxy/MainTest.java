package dev.meshbox.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MainTest {

    @Test
    void aSidecarCommandLineNamesItsPodLabelsAndControlPlane() throws Exception {
        Main.Args a = Main.parse(new String[] {
            "--role",
            "sidecar",
            "--pod",
            "reviews-v1-abc",
            "--label",
            "app=reviews",
            "--label",
            "version=v1",
            "--xds",
            "istiod:15010",
            "--app-probe",
            "127.0.0.1:9080",
            "--seed",
            "7"
        });
        assertThat(a.role()).isEqualTo(ProxyRole.SIDECAR);
        assertThat(a.namespace()).isEqualTo("default");
        assertThat(a.labels()).isEqualTo(Map.of("app", "reviews", "version", "v1"));
        assertThat(a.xds().getHostString()).isEqualTo("istiod");
        assertThat(a.xds().getPort()).isEqualTo(15010);
        assertThat(a.appProbe().getPort()).isEqualTo(9080);
        assertThat(a.ip()).isEqualTo("auto");
        assertThat(a.seed()).isEqualTo(7L);
    }

    @Test
    void gatewaysDefaultToIstioSystem() throws Exception {
        Main.Args a = Main.parse(new String[] {"--role", "gateway", "--pod", "gw", "--xds", "istiod:15010"});
        assertThat(a.namespace()).isEqualTo("istio-system");
        assertThat(a.wildcard()).isEqualTo(ProxyOptions.Wildcard.NONE);
        assertThat(Main.parse(new String[] {
                            "--role", "gateway", "--pod", "gw", "--xds", "istiod:15010", "--wildcard", "all"
                        })
                        .wildcard())
                .isEqualTo(ProxyOptions.Wildcard.ALL);
        assertThatThrownBy(() -> Main.parse(
                        new String[] {"--role", "gateway", "--pod", "gw", "--xds", "x:1", "--wildcard", "any"}))
                .hasMessage("--wildcard any: expected none, reserved or all");
    }

    @Test
    void aProxyConfigIsReadAsJson() throws Exception {
        Main.Args a = Main.parse(new String[] {
            "--role", "sidecar", "--pod", "p", "--xds", "x:1", "--proxy-config", "{\"tracing\": {\"sampling\": 10}}"
        });
        assertThat(a.proxyConfig()
                        .getFieldsOrThrow("tracing")
                        .getStructValue()
                        .getFieldsOrThrow("sampling")
                        .getNumberValue())
                .isEqualTo(10.0);
        assertThatThrownBy(() -> Main.parse(
                        new String[] {"--role", "sidecar", "--pod", "p", "--xds", "x:1", "--proxy-config", "sampling"}))
                .hasMessageContaining("--proxy-config sampling: expected a JSON object");
    }

    @Test
    void mistakesNameTheOptionAndWhatIsExpected() {
        assertThatThrownBy(() -> Main.parse(new String[] {"--role", "router", "--pod", "p", "--xds", "x:1"}))
                .hasMessage("--role router: expected sidecar or gateway");
        assertThatThrownBy(() -> Main.parse(new String[] {"--role", "sidecar", "--pod", "p", "--xds", "istiod"}))
                .hasMessageContaining("--xds istiod: expected HOST:PORT");
        assertThatThrownBy(() ->
                        Main.parse(new String[] {"--role", "sidecar", "--pod", "p", "--xds", "x:1", "--label", "app"}))
                .hasMessageContaining("--label app: expected KEY=VALUE");
        assertThatThrownBy(() -> Main.parse(new String[] {"--role", "sidecar", "--xds", "x:1"}))
                .hasMessage("--pod: is required");
        assertThatThrownBy(() -> Main.parse(new String[] {"--bogus", "1"}))
                .hasMessageContaining("--bogus: unknown option");
    }

    @Test
    void aBadCommandLineExitsWith2AndTheUsage() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(
                new String[] {"--role", "sidecar"},
                new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("proxy: --pod: is required")
                .contains("usage: proxy");
    }

    @Test
    void thePodAddressIsANonLoopbackIpv4Address() throws Exception {
        assertThat(Main.podAddress().isLoopbackAddress()).isFalse();
        assertThat(Main.podAddress().getAddress()).hasSize(4);
    }
}
