package dev.meshbox.launcher.kube;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.meshbox.launcher.engine.DockerEngine;
import dev.meshbox.launcher.engine.DockerJanitor;
import dev.meshbox.launcher.engine.Labels;
import dev.meshbox.launcher.image.AppImage;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.testcontainers.containers.Container;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/** The clusters a Kubernetes mesh runs on: one from a kubeconfig, or k3s started in a container for the mesh alone. */
public final class Clusters {

    /** The k3s image; {@code -Dmeshbox.k3s.image} points elsewhere (a mirror, another version). */
    public static final String K3S_IMAGE_PROPERTY = "meshbox.k3s.image";

    public static final String K3S_DEFAULT_IMAGE = "rancher/k3s:v1.31.4-k3s1";

    /** A cluster to install a mesh on, MeshBox's image as its nodes know it, and what to close after the mesh. */
    public record Cluster(KubernetesClient client, String image, AutoCloseable owned) {}

    private Clusters() {}

    public static String k3sImage() {
        return System.getProperty(K3S_IMAGE_PROPERTY, K3S_DEFAULT_IMAGE);
    }

    /** Why k3s cannot start on this machine (no engine, or no k3s image in it: none can be pulled here), or empty. */
    public static Optional<String> k3sUnavailable() {
        DockerEngine.Status status = DockerEngine.probe();
        if (!status.available()) {
            return Optional.of(status.reason());
        }
        try {
            DockerEngine.client().inspectImageCmd(k3sImage()).exec();
            return Optional.empty();
        } catch (NotFoundException e) {
            return Optional.of("the k3s image " + k3sImage() + " is not in the local Docker engine: run docker pull "
                    + k3sImage() + " where a registry is reachable (or set -D" + K3S_IMAGE_PROPERTY
                    + "=IMAGE to one you have)");
        }
    }

    /** A client for the cluster a kubeconfig file names (its current context), checked to exist and parse. */
    public static KubernetesClient fromKubeconfig(Path kubeconfig) {
        return fromKubeconfig(kubeconfig, null);
    }

    /** As above, for a named context of the file ({@code kubectl --context NAME}); null for its current context. */
    public static KubernetesClient fromKubeconfig(Path kubeconfig, String context) {
        if (!Files.isRegularFile(kubeconfig)) {
            throw new IllegalArgumentException("--kubeconfig " + kubeconfig + ": no such file");
        }
        Config config;
        try {
            if (context != null
                    && io.fabric8.kubernetes.client.internal.KubeConfigUtils.parseConfig(kubeconfig.toFile())
                            .getContexts()
                            .stream()
                            .noneMatch(c -> context.equals(c.getName()))) {
                throw new IllegalArgumentException("--context " + context + ": no such context in " + kubeconfig
                        + " (kubectl config get-contexts)");
            }
            config = Config.fromKubeconfig(context, kubeconfig.toFile());
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "--kubeconfig " + kubeconfig + ": not a usable kubeconfig: " + e.getMessage(), e);
        }
        if (config.getMasterUrl() == null || config.getMasterUrl().isBlank()) {
            throw new IllegalArgumentException(
                    "--kubeconfig " + kubeconfig + ": its current context names no cluster server");
        }
        config.setRequestRetryBackoffLimit(1);
        config.setConnectionTimeout(5_000);
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /** An existing cluster: the kubeconfig's, running {@code image} (or MeshBox's image built here, which its nodes must have). */
    public static Cluster existing(Path kubeconfig, String image, PrintStream progress) {
        return existing(kubeconfig, null, image, progress);
    }

    /** As above, for a named context of the kubeconfig (null: its current context). */
    public static Cluster existing(Path kubeconfig, String context, String image, PrintStream progress) {
        KubernetesClient client = fromKubeconfig(kubeconfig, context);
        try {
            client.getKubernetesVersion();
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            client.close();
            throw new IllegalStateException(
                    dev.meshbox.controlplane.kubernetes.IstioCrds.describe(e, "read the server version")
                            + "; nothing was created",
                    e);
        }
        if (image != null) {
            return new Cluster(client, image, null);
        }
        String local;
        try {
            local = AppImage.ensure(DockerEngine.client(), progress).tag();
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
        progress.printf(
                "image           %s, built here: the cluster's nodes need it (kind load docker-image / k3d image import),"
                        + " or push it and pass --image%n",
                local);
        return new Cluster(client, local, null);
    }

    /** k3s in a container, with MeshBox's image imported into its containerd (no registry needed), removed on close. */
    public static Cluster k3s(PrintStream progress) {
        Optional<String> why = k3sUnavailable();
        if (why.isPresent()) {
            throw new IllegalStateException("cannot start k3s: " + why.get());
        }
        DockerClient docker = DockerEngine.client();
        new DockerJanitor(docker).removeStale();
        String image = AppImage.ensure(docker, progress).tag();
        K3sContainer k3s = new K3sContainer(DockerImageName.parse(k3sImage()).asCompatibleSubstituteFor("rancher/k3s"))
                .withLabels(Labels.owned("k3s"));
        progress.printf("k3s             starting %s ...%n", k3sImage());
        try {
            k3s.start();
            Path tar = Files.createTempFile("meshbox-image", ".tar");
            try (InputStream in = docker.saveImageCmd(image).exec()) {
                Files.copy(in, tar, StandardCopyOption.REPLACE_EXISTING);
            }
            k3s.copyFileToContainer(MountableFile.forHostPath(tar), "/tmp/meshbox-image.tar");
            Files.deleteIfExists(tar);
            Container.ExecResult imported =
                    k3s.execInContainer("ctr", "-n", "k8s.io", "images", "import", "/tmp/meshbox-image.tar");
            if (imported.getExitCode() != 0) {
                throw new IllegalStateException("cannot import " + image + " into k3s: "
                        + imported.getStderr().strip());
            }
            progress.printf("k3s             up, image %s imported%n", image);
            KubernetesClient client = new KubernetesClientBuilder()
                    .withConfig(Config.fromKubeconfig(k3s.getKubeConfigYaml()))
                    .build();
            return new Cluster(client, image, () -> {
                client.close();
                k3s.stop();
            });
        } catch (IOException e) {
            k3s.stop();
            throw new UncheckedIOException("cannot hand MeshBox's image to k3s: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            k3s.stop();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting k3s", e);
        } catch (RuntimeException e) {
            k3s.stop();
            throw e;
        }
    }
}
