package dev.meshbox.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ScenarioLoaderTest {

    private final ScenarioLoader loader = new ScenarioLoader();

    @Test
    void loadsTheShippedCanaryScenarioWithItsConfigFiles() {
        Scenario s = loader.load(Path.of("canary-90-10.yaml"));
        assertThat(s.name()).isEqualTo("canary-90-10");
        Scenario.Step step = s.steps().get(0);
        assertThat(step.config()).hasSize(2);
        assertThat(step.config().get(1).text()).contains("weight: 90");
        assertThat(step.traffic().orElseThrow().count()).isEqualTo(1000);
        assertThat(step.expect())
                .first()
                .isInstanceOfSatisfying(
                        Scenario.VersionShare.class,
                        v -> assertThat(v.shares()).containsEntry("v1", 0.90).containsEntry("v2", 0.10));
    }

    @Test
    void badValuePointsAtFileLineAndKey() {
        String text = """
                name: broken
                steps:
                  - name: one
                    traffic:
                      url: http://reviews:9080/reviews/0
                      count: -5
                """;
        assertThatThrownBy(() -> loader.parse(Path.of("broken.yaml"), text))
                .isInstanceOf(ScenarioException.class)
                .hasMessageContaining(
                        "broken.yaml:6: steps[0].traffic.count: must be an integer between 1 and 100000, got -5");
    }

    @Test
    void anUnknownResponseFlagPointsAtItsLineAndListsEnvoysFlags() {
        String text = """
                name: typo
                steps:
                  - name: one
                    traffic: {url: "http://reviews:9080/reviews/0"}
                    expect:
                      - responseFlags: {flag: OU}
                """;
        assertThatThrownBy(() -> loader.parse(Path.of("typo.yaml"), text))
                .isInstanceOf(ScenarioException.class)
                .hasMessageContaining("typo.yaml:6: steps[0].expect[0].responseFlags.flag: must be one of Envoy's "
                        + "response flags [LH, UH, UT, LR, UR, UF, UC, UO,")
                .hasMessageEndingWith(", got OU");
    }

    @Test
    void hostRedirectsAndPodsAreReadWithTheirBounds() {
        Scenario s = loader.parse(Path.of("sticky.yaml"), """
                name: sticky
                steps:
                  - name: one
                    traffic: {from: sleep, url: "http://shop:8080/go", host: www.example.com, followRedirects: 2}
                    expect:
                      - pods: {service: shop, count: 1}
                      - redirect: {location: "http://shop:8080/cart"}
                """);

        Scenario.Traffic t = s.steps().get(0).traffic().orElseThrow();
        assertThat(t.host()).contains("www.example.com");
        assertThat(t.followRedirects()).isEqualTo(2);
        assertThat(s.steps().get(0).expect())
                .containsExactly(
                        new Scenario.Pods("shop", Optional.of(1), Optional.empty(), Optional.empty()),
                        new Scenario.Redirect(Scenario.Redirect.ANY, Optional.of("http://shop:8080/cart"), 1.0));
    }

    @Test
    void badHostRedirectAndPodsFieldsNameTheirLines() {
        String text = """
                name: bad
                steps:
                  - name: one
                    traffic:
                      url: http://shop:8080/
                      host: "http://www.example.com/"
                      followRedirects: 11
                    expect:
                      - pods: {service: shop, count: 1, min: 2}
                      - redirect: {code: 200}
                      - accessLog: {cluster: "outbound|80||edition.cnn.com", code: 1000}
                """;
        assertThatThrownBy(() -> loader.parse(Path.of("bad.yaml"), text))
                .isInstanceOf(ScenarioException.class)
                .hasMessageContaining("bad.yaml:6: steps[0].traffic.host: must be a host name with an optional port")
                .hasMessageContaining(
                        "bad.yaml:7: steps[0].traffic.followRedirects: must be an integer between 0 and 10, got 11")
                .hasMessageContaining("steps[0].expect[0].pods: takes count, or min and max, not both")
                .hasMessageContaining(
                        "steps[0].expect[1].redirect.code: must be an integer between 300 and 399, got 200")
                .hasMessageContaining("steps[0].expect[2].accessLog.proxy")
                .hasMessageContaining("steps[0].expect[2].accessLog.code: must be an integer between 100 and 599");
    }

    @Test
    void headersTheDriverWritesItselfAreRefused() {
        String text = """
                name: framing
                steps:
                  - name: one
                    traffic:
                      url: http://reviews:9080/reviews/0
                      headers: {Connection: close, host: reviews.example.com}
                """;
        assertThatThrownBy(() -> loader.parse(Path.of("framing.yaml"), text))
                .isInstanceOf(ScenarioException.class)
                .hasMessageContaining("steps[0].traffic.headers.connection: is written by the traffic driver itself")
                .hasMessageNotContaining("host");
    }

    @Test
    void anImageWorkloadNamesTheUsersImageServiceAndEnvironment() {
        Scenario s = loader.parse(Path.of("own.yaml"), """
                name: own
                workloads:
                  - image: {name: "shop:1.4", service: shop, version: v2, port: 9000, env: {MODE: canary}}
                steps:
                  - name: one
                    traffic: {url: "http://shop:9000/"}
                """);
        assertThat(s.workloads())
                .containsExactly(
                        new Scenario.ImageApp("shop:1.4", "shop", "v2", 9000, 1, java.util.Map.of("MODE", "canary")));
    }

    @Test
    void aProxylessGrpcClientIsSleepWithoutASidecar() {
        Scenario s = loader.parse(Path.of("proxyless.yaml"), """
                name: proxyless
                workloads: [grpc-echo, {sleep: {grpc: {proxyless: true}}}]
                steps:
                  - name: one
                    traffic: {from: sleep, url: "grpc://echo-grpc:7070/meshbox.echo.Echo/Say"}
                """);
        assertThat(s.workloads())
                .contains(new Scenario.Builtin("sleep", "default", java.util.Optional.empty(), false, true));
        assertThat(s.workloads().get(1).displayName()).isEqualTo("sleep (proxyless gRPC)");
    }

    @Test
    void aProxylessGrpcOptionOnAServerOrWithASidecarIsRefused() {
        assertThatThrownBy(() -> loader.parse(Path.of("proxyless.yaml"), """
                name: proxyless
                workloads:
                  - {grpc-echo: {grpc: {proxyless: true}}}
                  - {sleep: {sidecar: true, grpc: {proxyless: "yes"}}}
                  - {fortio: {grpc: {proxyless: true}}}
                steps:
                  - name: one
                    traffic: {from: sleep, url: "grpc://echo-grpc:7070/meshbox.echo.Echo/Say"}
                """))
                .hasMessageContaining("workloads[0]")
                .hasMessageContaining("grpc.proxyless is for the sleep client")
                .hasMessageContaining("workloads[1].sleep.grpc.proxyless: must be true or false")
                .hasMessageContaining("got fortio");
    }

    @Test
    void anImageWorkloadWithoutANameSaysWhatIsMissing() {
        assertThatThrownBy(() -> loader.parse(Path.of("own.yaml"), """
                name: own
                workloads:
                  - image: {service: shop, tag: 1}
                steps:
                  - name: one
                    traffic: {url: "http://shop:8080/"}
                """))
                .hasMessageContaining("workloads[0].image.name")
                .hasMessageContaining("workloads[0].image.tag: unknown key");
    }

    @Test
    void unknownKeyAndMissingConfigFileAreBothReported() {
        String text = """
                name: broken
                steps:
                  - name: one
                    config:
                      - file: no-such.yaml
                    trafic:
                      url: http://reviews:9080/
                """;
        assertThatThrownBy(() -> loader.parse(Path.of("broken.yaml"), text))
                .hasMessageContaining("broken.yaml:6: steps[0].trafic: unknown key")
                .hasMessageContaining("steps[0].config[0].file: config file")
                .hasMessageContaining("no-such.yaml cannot be read");
    }

    @Test
    void sharesAddingUpToMoreThanOneAreImpossible() {
        String text = """
                name: impossible
                steps:
                  - traffic: {path: /productpage, count: 10}
                    expect:
                      - versionShare: {service: reviews, shares: {v1: 0.9, v2: 0.2}}
                """;
        assertThatThrownBy(() -> loader.parse(Path.of("i.yaml"), text))
                .hasMessageContaining("i.yaml:5: steps[0].expect[0].versionShare.shares: add up to");
    }

    @Test
    void missingFileIsNamed() {
        assertThatThrownBy(() -> loader.load(Path.of("nowhere.yaml")))
                .hasMessage("nowhere.yaml: no such scenario file");
    }

    @Test
    void rateAndDurationPaceTheTrafficAndAreChecked() {
        Scenario s = loader.parse(Path.of("paced.yaml"), """
                name: paced
                steps:
                  - traffic: {path: /productpage, rate: 20, duration: 2s}
                    expect:
                      - headerContains: {name: Server, text: istio-envoy}
                """);
        Scenario.Traffic t = s.steps().get(0).traffic().orElseThrow();
        assertThat(t.rate()).isEqualTo(20);
        assertThat(t.duration()).hasSeconds(2);
        assertThat(t.count()).isEqualTo(100_000);
        assertThat(s.steps().get(0).expect())
                .singleElement()
                .isEqualTo(new Scenario.HeaderContains("server", "istio-envoy", 1.0, 0.0));
        assertThatThrownBy(() -> loader.parse(Path.of("bad.yaml"), """
                name: bad
                steps:
                  - traffic: {path: /, rate: -1, duration: forever}
                """))
                .hasMessageContaining("bad.yaml:3: steps[0].traffic.rate: must be requests per second in all")
                .hasMessageContaining(
                        "steps[0].traffic.duration: must be a duration such as 500ms, 6s or 1m, got \"forever\"");
    }

    @Test
    void tracingIsReadAndABadValueIsNamed() {
        String ok = "name: t\ntracing: true\nsteps:\n- name: s\n  traffic: {path: /productpage, count: 1}\n";
        assertThat(loader.parse(Path.of("t.yaml"), ok).tracing()).isTrue();
        assertThat(loader.parse(Path.of("t.yaml"), ok.replace("tracing: true\n", ""))
                        .tracing())
                .isFalse();

        assertThatThrownBy(() -> loader.parse(Path.of("t.yaml"), ok.replace("tracing: true", "tracing: yes please")))
                .isInstanceOf(ScenarioException.class)
                .hasMessageContaining("tracing")
                .hasMessageContaining("must be true or false");
    }
}
