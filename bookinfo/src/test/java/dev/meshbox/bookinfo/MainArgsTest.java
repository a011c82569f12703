package dev.meshbox.bookinfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meshbox.bookinfo.echo.EchoBehaviour;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MainArgsTest {
    @Test
    void parsesTheFullCommandLine() throws Exception {
        MainArgs args = MainArgs.parse(
                "--service",
                "reviews",
                "--version",
                "v2",
                "--pod",
                "reviews-v2-abc",
                "--namespace",
                "bookinfo",
                "--listen",
                "0.0.0.0:9080",
                "--proxy=127.0.0.1:15001");

        AppContext ctx = args.context();
        assertThat(ctx.service()).isEqualTo("reviews");
        assertThat(ctx.version()).isEqualTo("v2");
        assertThat(ctx.podName()).isEqualTo("reviews-v2-abc");
        assertThat(ctx.namespace()).isEqualTo("bookinfo");
        assertThat(ctx.listen().getPort()).isEqualTo(9080);
        assertThat(ctx.listen().getAddress().isAnyLocalAddress()).isTrue();
        assertThat(ctx.outboundProxy().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(ctx.outboundProxy().getPort()).isEqualTo(15001);
    }

    @Test
    void defaultsMatchAPodOnPort9080() throws Exception {
        AppContext ctx =
                MainArgs.parse("--service", "ratings", "--version", "v1").context();

        assertThat(ctx.podName()).isEqualTo("ratings-v1");
        assertThat(ctx.namespace()).isEqualTo("default");
        assertThat(ctx.listen().getPort()).isEqualTo(9080);
        assertThat(ctx.outboundProxy().getPort()).isEqualTo(15001);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "--version v1                                  | --service: required",
                "--service ratings                             | --version: required",
                "--service ratings --version v1 --colour red   | unknown argument '--colour'",
                "--service ratings --version                   | --version: needs a value",
                "--service a --service b --version v1          | --service: given more than once",
                "--service ratings --version v1 --listen 9080  | --listen: expected HOST:PORT, got '9080'",
                "--service ratings --version v1 --proxy h:x    | --proxy: port must be a number, got 'x'",
                "--service ratings --version v1 --proxy 127.0.0.1:0 | --proxy: port must be 1..65535, got 0",
                "--service ratings --version v1 --listen ::1:80 | --listen: write an IPv6 host in brackets",
                "--service e --version v1 --echo --grpc-echo   | --echo and --grpc-echo: choose one",
                "--service e --version v1 --grpc-echo --grpc-echo | --grpc-echo: given more than once",
                "--service e --version v1 --grpc-echo --fail-first 1 | --fail-first: only with --echo"
            })
    void badArgumentsAreNamed(String commandLine, String message) {
        assertThatThrownBy(() -> MainArgs.parse(commandLine.trim().split("\\s+")))
                .isInstanceOf(MainArgs.UsageException.class)
                .hasMessageStartingWith(message);
    }

    @Test
    void mainExitsWith2OnBadArgumentsOrAnUnknownApp() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);

        assertThat(Main.run(new String[] {"--service", "reviews"}, System.out, errStream))
                .isEqualTo(2);
        assertThat(Main.run(new String[] {"--service", "reviews", "--version", "v9"}, System.out, errStream))
                .isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--version: required", "'v9'", "usage:");
    }

    @Test
    void grpcEchoServesAnyServiceName() throws Exception {
        MainArgs args =
                MainArgs.parse("--service", "echo-grpc", "--version", "v2", "--grpc-echo", "--listen", "127.0.0.1:0");
        assertThat(args.grpcEcho()).isTrue();
        try (Workload app = Main.workload(args)) {
            assertThat(app.toString()).isEqualTo("grpc echo echo-grpc v2");
        }
    }

    @Test
    void httpbinListensOn8080LikeIstiosSample() throws Exception {
        MainArgs args = MainArgs.parse("--service", "httpbin", "--version", "v2");

        assertThat(args.context().listen().getPort()).isEqualTo(8080);
        assertThat(args.echo()).isEmpty();
        try (Workload httpbin = Main.workload(args)) {
            assertThat(httpbin.toString()).contains("httpbin v2");
        }
    }

    @Test
    void echoTakesItsBehaviourFromFlagsAndAnyServiceName() throws Exception {
        MainArgs args = MainArgs.parse(
                "--service",
                "canary",
                "--version",
                "v2",
                "--echo",
                "--latency-ms",
                "250",
                "--error-rate=0.1",
                "--error-status",
                "502",
                "--fail-first",
                "2",
                "--seed",
                "-7");

        assertThat(args.context().listen().getPort()).isEqualTo(9080);
        assertThat(args.echo()).hasValue(new EchoBehaviour(Duration.ofMillis(250), 0.1, 502, 2, -7L));
        try (Workload echo = Main.workload(args)) {
            assertThat(echo.toString()).contains("canary v2");
        }
    }

    @Test
    void echoFlagsDefaultToACalmApp() throws Exception {
        EchoBehaviour behaviour = MainArgs.parse("--service", "httpbin", "--version", "v1", "--echo")
                .echo()
                .orElseThrow();

        assertThat(behaviour.latency()).isZero();
        assertThat(behaviour.errorRate()).isZero();
        assertThat(behaviour.errorStatus()).isEqualTo(503);
        assertThat(behaviour.failFirst()).isZero();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "--service s --version v1 --error-rate 0.5                 | --error-rate: only with --echo",
                "--service s --version v1 --echo --echo                    | --echo: given more than once",
                "--service s --version v1 --echo=yes                       | --echo: takes no value",
                "--service s --version v1 --echo --error-rate 1.5          | --error-rate: must be 0..1, got 1.5",
                "--service s --version v1 --echo --error-rate lots         | --error-rate: must be a number, got 'lots'",
                "--service s --version v1 --echo --latency-ms 0.5          | --latency-ms: must be a whole number, got '0.5'",
                "--service s --version v1 --echo --latency-ms 90000        | --latency-ms: must be 0..60000, got 90000",
                "--service s --version v1 --echo --error-status 200        | --error-status: must be 400..599, got 200",
                "--service s --version v1 --echo --error-status 9999999999 | --error-status: out of range, got 9999999999",
                "--service s --version v1 --echo --fail-first -1           | --fail-first: must be >= 0, got -1"
            })
    void badEchoArgumentsAreNamed(String commandLine, String message) {
        assertThatThrownBy(() -> MainArgs.parse(commandLine.trim().split("\\s+")))
                .isInstanceOf(MainArgs.UsageException.class)
                .hasMessage(message);
    }

    @Test
    void aServiceThatIsNeitherBookinfoNorHttpbinIsRejectedWithoutEcho() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int status = Main.run(
                new String[] {"--service", "canary", "--version", "v1"},
                System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8).lines())
                .first()
                .asString()
                .startsWith("bookinfo: unknown Bookinfo service 'canary'");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("any name with --echo");
    }

    @Test
    void acceptsBracketedIpv6() throws Exception {
        assertThat(MainArgs.address("--listen", "[::1]:9080", 0).getAddress().isLoopbackAddress())
                .isTrue();
    }
}
