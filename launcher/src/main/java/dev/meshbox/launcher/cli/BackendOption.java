package dev.meshbox.launcher.cli;

import dev.meshbox.launcher.start.Backends;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;

/**
 * {@code --backend}: where the mesh runs; with {@code kubernetes}, {@code --kubeconfig}, {@code --image} and
 * {@code --image-map}.
 */
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
            description = "kubernetes: the cluster's kubeconfig (default: KUBECONFIG, else ~/.kube/config); with"
                    + " up --clusters N, one per cluster (repeat it), or one holding each --context.")
    List<Path> kubeconfigs = new ArrayList<>();

    @CommandLine.Option(
            names = "--context",
            paramLabel = "NAME",
            description = "kubernetes, with up --clusters N: a kubeconfig context per cluster (repeat it), as"
                    + " Istio's multi-cluster guides use --context=\"$${CTX_CLUSTER1}\".")
    List<String> contexts = new ArrayList<>();

    @CommandLine.Option(
            names = "--image",
            paramLabel = "IMAGE",
            description =
                    "kubernetes: MeshBox's image as the cluster's nodes pull it, e.g. registry.example.com/meshbox:1 (default: built here).")
    String image;

    @CommandLine.Option(
            names = "--image-map",
            paramLabel = "FROM=TO",
            description = "kubernetes: pull another image than the one named (repeat it): FROM is an image or a prefix"
                    + " ending in /, e.g. docker.io/=registry.example.com/hub/ for the addons' images"
                    + " (openzipkin/zipkin-slim, prom/prometheus) from a mirror.")
    List<String> imageMap = new ArrayList<>();

    void check(CommandLine.Model.CommandSpec spec) {
        check(spec, 1);
    }

    /** As above, for {@code clusters} clusters: more than one kubeconfig, or any --context, only with several. */
    void check(CommandLine.Model.CommandSpec spec, int clusters) {
        if (!Backends.NAMES.contains(backend)) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--backend " + backend + ": unknown backend; expected one of " + String.join(", ", Backends.NAMES));
        }
        String kubeOnly = !kubeconfigs.isEmpty() ? "--kubeconfig" : !contexts.isEmpty() ? "--context" : null;
        if (kubeOnly == null && image != null) {
            kubeOnly = "--image";
        }
        if (kubeOnly == null && !imageMap.isEmpty()) {
            kubeOnly = "--image-map";
        }
        try {
            dev.meshbox.launcher.kube.ImageMap.rules(imageMap);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (kubeOnly != null && !backend.equals(Backends.KUBERNETES)) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    kubeOnly + " is for --backend kubernetes (k3s runs the image built here; local and docker need"
                            + " neither)");
        }
        if (clusters == 1 && (kubeconfigs.size() > 1 || !contexts.isEmpty())) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    (contexts.isEmpty() ? "--kubeconfig given " + kubeconfigs.size() + " times" : "--context")
                            + ": one cluster is the kubeconfig's current context; a kubeconfig or context per cluster"
                            + " is for up --clusters N --backend kubernetes");
        }
    }

    boolean k3s() {
        return backend.equals(Backends.K3S);
    }

    List<Path> kubeconfigs() {
        return kubeconfigs;
    }

    List<String> contexts() {
        return contexts;
    }

    String image() {
        return image;
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
        return new Backends.Target(
                backend,
                kubeconfigs.stream().findFirst(),
                Optional.ofNullable(image),
                dev.meshbox.launcher.kube.ImageMap.rules(imageMap));
    }
}
