package dev.meshbox.launcher.cli;

import dev.meshbox.launcher.backend.Backends;
import picocli.CommandLine;

/** {@code --backend}: where the mesh runs. */
public final class BackendOption {
    @CommandLine.Option(names = "--backend", defaultValue = "local", paramLabel = "local|docker",
            description = "Where the mesh runs: local (one JVM on loopback, the default) or docker (containers on a Docker network of their own).")
    String backend;

    void check(CommandLine.Model.CommandSpec spec) {
        if (!Backends.NAMES.contains(backend)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--backend " + backend + ": unknown backend; expected one of " + String.join(", ", Backends.NAMES));
        }
    }

    boolean docker() {
        return backend.equals(Backends.DOCKER);
    }

    String name() {
        return backend;
    }
}
