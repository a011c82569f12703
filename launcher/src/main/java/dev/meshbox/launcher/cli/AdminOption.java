package dev.meshbox.launcher.cli;

import dev.meshbox.launcher.admin.AdminServer;
import java.net.URI;
import picocli.CommandLine;

/** {@code --admin URL}: where the running mesh's admin API is, for the commands that talk to it. */
public final class AdminOption {
    @CommandLine.Option(
            names = "--admin",
            defaultValue = "http://127.0.0.1:" + AdminServer.PORT,
            paramLabel = "URL",
            description = "The running mesh's admin API (default: ${DEFAULT-VALUE}).")
    URI admin;

    AdminClient client() {
        return new AdminClient(admin);
    }
}
