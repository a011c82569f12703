package dev.meshbox.launcher.cli;

import dev.meshbox.launcher.start.Backends;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine;

/** {@code --backend}: where the mesh runs; with {@code kubernetes}, {@code --kubeconfig} and {@code --image}. */
public final class BackendOption {
    @CommandLine.Option(
            names = "--backend",
            defaultValue = "local",
            paramLabel = "local|docker|k3s|kubernetes",
            description =
                    "Where the mesh runs: local (one JVM on loopback, the default), docker (containers on a Docker network of"
                            + " their own), k3s (a k3s cluster in a container, started for the mesh) or kubernetes (the cluster of --kubeconfig).")
    String backend;

    @CommandLine.Option(
            names = "--kubeconfig",
            paramLabel = "FILE",
            description = "kubernetes: the cluster's kubeconfig (default: KUBECONFIG, else ~/.kube/config).")
    Path kubeconfig;

    @CommandLine.Option(
            names = "--image",
            paramLabel = "IMAGE",
            description =
                    "kubernetes: MeshBox's image as the cluster's nodes pull it, e.g. registry.example.com/meshbox:1 (default: built here).")
    String image;

    void check(CommandLine.Model.CommandSpec spec) {
        if (!Backends.NAMES.contains(backend)) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--backend " + backend + ": unknown backend; expected one of " + String.join(", ", Backends.NAMES));
        }
        if ((kubeconfig != null || image != null) && !backend.equals(Backends.KUBERNETES)) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    (kubeconfig != null ? "--kubeconfig" : "--image")
                            + " is for --backend kubernetes (k3s runs the image built here; local and docker need neither)");
        }
    }

    boolean docker() {
        return backend.equals(Backends.DOCKER);
    }

    boolean kubernetes() {
        return backend.equals(Backends.K3S) || backend.equals(Backends.KUBERNETES);
    }

    String name() {
        return backend;
    }

    Backends.Target target() {
        return new Backends.Target(backend, Optional.ofNullable(kubeconfig), Optional.ofNullable(image));
    }
}
