package dev.meshbox.bookinfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MainArgsTest {
  @Test
  void parsesTheFullCommandLine() throws Exception {
    MainArgs args = MainArgs.parse("--service", "reviews", "--version", "v2", "--pod", "reviews-v2-abc",
        "--namespace", "bookinfo", "--listen", "0.0.0.0:9080", "--proxy=127.0.0.1:15001");

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
    AppContext ctx = MainArgs.parse("--service", "ratings", "--version", "v1").context();

    assertThat(ctx.podName()).isEqualTo("ratings-v1");
    assertThat(ctx.namespace()).isEqualTo("default");
    assertThat(ctx.listen().getPort()).isEqualTo(9080);
    assertThat(ctx.outboundProxy().getPort()).isEqualTo(15001);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--version v1                                  | --service: required",
      "--service ratings                             | --version: required",
      "--service ratings --version v1 --colour red   | unknown argument '--colour'",
      "--service ratings --version                   | --version: needs a value",
      "--service a --service b --version v1          | --service: given more than once",
      "--service ratings --version v1 --listen 9080  | --listen: expected HOST:PORT, got '9080'",
      "--service ratings --version v1 --proxy h:x    | --proxy: port must be a number, got 'x'",
      "--service ratings --version v1 --proxy 127.0.0.1:0 | --proxy: port must be 1..65535, got 0",
      "--service ratings --version v1 --listen ::1:80 | --listen: write an IPv6 host in brackets"})
  void badArgumentsAreNamed(String commandLine, String message) {
    assertThatThrownBy(() -> MainArgs.parse(commandLine.trim().split("\\s+")))
        .isInstanceOf(MainArgs.UsageException.class).hasMessageStartingWith(message);
  }

  @Test
  void mainExitsWith2OnBadArgumentsOrAnUnknownApp() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);

    assertThat(Main.run(new String[] {"--service", "reviews"}, System.out, errStream)).isEqualTo(2);
    assertThat(Main.run(new String[] {"--service", "reviews", "--version", "v9"}, System.out, errStream))
        .isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--version: required", "'v9'", "usage:");
  }

  @Test
  void acceptsBracketedIpv6() throws Exception {
    assertThat(MainArgs.address("--listen", "[::1]:9080", 0).getAddress().isLoopbackAddress()).isTrue();
  }
}
