package dev.meshbox.launcher;

import dev.meshbox.launcher.cli.ApplyCommand;
import dev.meshbox.launcher.cli.CaptureInitCommand;
import dev.meshbox.launcher.cli.ControlPlaneCommand;
import dev.meshbox.launcher.cli.CreateRemoteSecretCommand;
import dev.meshbox.launcher.cli.KubeInjectCommand;
import dev.meshbox.launcher.cli.LoadCommand;
import dev.meshbox.launcher.cli.LogsCommand;
import dev.meshbox.launcher.cli.RunCommand;
import dev.meshbox.launcher.cli.UpCommand;
import dev.meshbox.launcher.cli.WarmupCommand;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code meshbox} command line. */
@Command(
        name = "meshbox",
        mixinStandardHelpOptions = true,
        version = "MeshBox 0.1.0",
        description = "A mesh in a box: an xDS control plane, Java sidecars and Istio's Bookinfo on your machine.",
        footer = {
            "",
            "Examples:",
            "  meshbox up                                  start Bookinfo; open http://127.0.0.1:8080/productpage",
            "  meshbox apply -f virtual-service-reviews-v3.yaml",
            "  meshbox run scenarios/canary-90-10.yaml --seed 42 --report out.json",
            "  meshbox logs productpage",
            "  meshbox kube-inject -f deployment.yaml       print it with the sidecar added",
            "  meshbox load -c 3 -n 30 --from fortio http://httpbin:8000/get"
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** The subcommands, in the order the usage lists them. */
    static final List<Class<?>> SUBCOMMANDS = List.of(
            UpCommand.class,
            ApplyCommand.class,
            RunCommand.class,
            LogsCommand.class,
            LoadCommand.class,
            KubeInjectCommand.class,
            CreateRemoteSecretCommand.class,
            ControlPlaneCommand.class,
            WarmupCommand.class,
            CaptureInitCommand.class,
            CommandLine.HelpCommand.class);

    /** Held so the setting sticks: java.util.logging keeps loggers weakly. */
    private static final java.util.logging.Logger GRPC_LOG = java.util.logging.Logger.getLogger("io.grpc");

    public static void main(String[] args) {
        dev.meshbox.launcher.lifecycle.StartupTrace.mark("main");
        // gRPC logs stream shutdown chatter at INFO through java.util.logging; the CLI shows only problems.
        GRPC_LOG.setLevel(java.util.logging.Level.WARNING);
        System.exit(execute(args));
    }

    /** Runs the CLI and returns its exit code (0 ok, 1 failed, 2 bad input). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Main());
        // picocli reads a subcommand's model (reflection, and picocli's own classes, whose class format is too old for
        // the class-data archive) when it is added: about 0.15 s of a start for all of them. A command line that names
        // one gets only that one; anything else (help, a typo, no command) gets them all, for the usage and the hints.
        Optional<Class<?>> named = args.length == 0
                ? Optional.empty()
                : SUBCOMMANDS.stream()
                        .filter(c -> c != CommandLine.HelpCommand.class
                                && c.getAnnotation(Command.class).name().equals(args[0]))
                        .findFirst();
        if (named.isPresent()) {
            cli.addSubcommand(named.get());
        } else {
            SUBCOMMANDS.forEach(cli::addSubcommand);
        }
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("meshbox: " + e.getMessage());
            return 1;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
