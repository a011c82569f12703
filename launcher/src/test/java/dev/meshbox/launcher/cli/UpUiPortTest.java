package dev.meshbox.launcher.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code up} refuses a web UI port that is taken, before starting anything, and says how to go on. */
class UpUiPortTest {

    @Test
    void aTakenUiPortStopsUpAtOnceWithTheWayOut() throws Exception {
        assumeTrue(UpCommand.busyPorts().isEmpty(), "up's fixed ports are in use here: " + UpCommand.busyPorts());
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            StringWriter err = new StringWriter();

            int exit = new CommandLine(new UpCommand())
                    .setErr(new PrintWriter(err, true))
                    .execute("--ui-port", Integer.toString(taken.getLocalPort()));

            assertThat(exit).isEqualTo(1);
            assertThat(err.toString())
                    .contains("port " + taken.getLocalPort() + " is already in use on 127.0.0.1; the web UI needs it")
                    .contains("--ui-port PORT")
                    .contains("--ui-port 0 for no UI");
        }
    }

    @Test
    void aUiPortOutOfRangeIsABadArgument() {
        StringWriter err = new StringWriter();

        int exit = new CommandLine(new UpCommand())
                .setErr(new PrintWriter(err, true))
                .execute("--ui-port", "70000");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--ui-port 70000: expected a port, 1 to 65535, or 0 for no UI");
    }

    @Test
    void aWorkloadInABadNamespaceIsABadArgumentNamingIt() {
        StringWriter err = new StringWriter();

        int exit = new CommandLine(new UpCommand())
                .setErr(new PrintWriter(err, true))
                .execute("--workloads", "httpbin.foo,sleep.Legacy");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString())
                .contains("--workloads sleep.Legacy: namespace \"Legacy\" must be a DNS label (a-z, 0-9, '-')");
    }
}
