package dev.meshbox.launcher.cli;

import picocli.CommandLine;

/** {@code --backend}: where the mesh runs. */
public final class BackendOption {
    @CommandLine.Option(names = "--backend", defaultValue = "local", paramLabel = "local",
            description = "Where the mesh runs: local (one JVM on loopback, the default).")
    String backend;

    void check(CommandLine.Model.CommandSpec spec) {
        if (!backend.equals("local")) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--backend " + backend + ": not available in this build; expected local");
        }
    }
}
