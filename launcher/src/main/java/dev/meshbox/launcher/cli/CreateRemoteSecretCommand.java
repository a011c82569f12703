package dev.meshbox.launcher.cli;

import dev.meshbox.launcher.kube.Clusters;
import dev.meshbox.launcher.kube.RemoteSecrets;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code meshbox create-remote-secret}, {@code istioctl create-remote-secret}'s equivalent: prints the Secret that lets
 * another cluster's control plane discover this cluster's services and pods (a kubeconfig with the token of
 * {@code istio-reader-service-account}, which MeshBox's install creates), to pipe into
 * {@code kubectl apply --context=OTHER -f -}.
 */
@Command(
        name = "create-remote-secret",
        mixinStandardHelpOptions = true,
        description =
                "Print the remote secret other clusters' control planes use to watch this cluster (as istioctl's).")
public final class CreateRemoteSecretCommand implements Callable<Integer> {

    @CommandLine.Option(
            names = "--kubeconfig",
            paramLabel = "FILE",
            description = "This cluster's kubeconfig (default: KUBECONFIG, else ~/.kube/config).")
    Path kubeconfig;

    @CommandLine.Option(
            names = "--name",
            required = true,
            description = "This cluster's name (its cluster id, e.g. cluster1): the Secret's key and annotation.")
    String name;

    @CommandLine.Option(
            names = "--server",
            description = "The API server address other clusters reach (default: the kubeconfig's).")
    String server;

    @CommandLine.Option(
            names = "--wait",
            defaultValue = "30s",
            converter = DurationConverter.class,
            description = "How long to wait for the reader's token (default: ${DEFAULT-VALUE}).")
    Duration wait;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path file = kubeconfig != null ? kubeconfig : defaultKubeconfig();
        try (KubernetesClient client = Clusters.fromKubeconfig(file)) {
            spec.commandLine().getOut().print(RemoteSecrets.yaml(RemoteSecrets.create(client, name, server, wait)));
            spec.commandLine().getOut().flush();
            return 0;
        } catch (IllegalArgumentException | IllegalStateException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 1;
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            spec.commandLine()
                    .getErr()
                    .println("error: cannot read " + RemoteSecrets.SYSTEM + "/" + RemoteSecrets.READER + " from " + file
                            + "'s cluster: " + e.getMessage());
            return 1;
        }
    }

    private static Path defaultKubeconfig() {
        String env = System.getenv("KUBECONFIG");
        return env != null && !env.isBlank()
                ? Path.of(env.split(java.io.File.pathSeparator)[0])
                : Path.of(System.getProperty("user.home"), ".kube", "config");
    }

    /** {@code 30s}, {@code 2m}, or an ISO-8601 duration. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(java.util.Locale.ROOT);
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            if (v.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            return Duration.parse(value);
        }
    }
}
