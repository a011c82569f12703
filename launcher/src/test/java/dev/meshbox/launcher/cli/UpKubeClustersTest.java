package dev.meshbox.launcher.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meshbox.launcher.kube.Clusters;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code up --backend kubernetes --clusters N}: a cluster per {@code --kubeconfig} or {@code --context}, the wrong
 * count, k3s, contexts without clusters and one API server given twice refused naming what is wrong.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class UpKubeClustersTest {

    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path dir;

    private final CommandLine cmd = new CommandLine(new UpCommand());

    private record Run(int exit, String err) {}

    private static Run up(String... args) {
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new UpCommand())
                .setErr(new PrintWriter(err, true))
                .execute(args);
        return new Run(exit, err.toString());
    }

    @Test
    void aKubeconfigOrAContextPerCluster() {
        Path a = Path.of("a.yaml");
        Path b = Path.of("b.yaml");
        assertThat(UpKubeClusters.refs(cmd, List.of(a, b), List.of(), 2, () -> null))
                .containsExactly(new UpKubeClusters.Ref(a, null), new UpKubeClusters.Ref(b, null));
        assertThat(UpKubeClusters.refs(cmd, List.of(), List.of("kind-c1", "kind-c2"), 2, () -> a))
                .containsExactly(new UpKubeClusters.Ref(a, "kind-c1"), new UpKubeClusters.Ref(a, "kind-c2"));
        assertThat(UpKubeClusters.refs(cmd, List.of(b), List.of("kind-c1", "kind-c2"), 2, () -> a))
                .containsExactly(new UpKubeClusters.Ref(b, "kind-c1"), new UpKubeClusters.Ref(b, "kind-c2"));
        assertThat(UpKubeClusters.refs(cmd, List.of(a, b), List.of("c1", "c2"), 2, () -> null))
                .containsExactly(new UpKubeClusters.Ref(a, "c1"), new UpKubeClusters.Ref(b, "c2"));
        assertThatThrownBy(() -> UpKubeClusters.refs(cmd, List.of(a), List.of(), 2, () -> null))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessage("--clusters 2 on --backend kubernetes needs a cluster each: --kubeconfig FILE 2 times, or"
                        + " --context NAME 2 times (contexts of one kubeconfig); got 1 --kubeconfig and 0 --context");
    }

    @Test
    void badCombinationsAreBadArguments() {
        Run one = up("--backend", "kubernetes", "--clusters", "2", "--kubeconfig", "a.yaml");
        assertThat(one.exit()).isEqualTo(2);
        assertThat(one.err()).contains("needs a cluster each").contains("got 1 --kubeconfig and 0 --context");

        Run k3s = up("--backend", "k3s", "--clusters", "2");
        assertThat(k3s.exit()).isEqualTo(2);
        assertThat(k3s.err())
                .contains("--clusters 2: expected 1 to 8 clusters, on the local, docker or kubernetes backend");

        Run context = up("--backend", "kubernetes", "--context", "kind-c1");
        assertThat(context.exit()).isEqualTo(2);
        assertThat(context.err()).contains("--context: one cluster is the kubeconfig's current context");

        Run local = up("--context", "kind-c1", "--clusters", "2");
        assertThat(local.exit()).isEqualTo(2);
        assertThat(local.err()).contains("--context is for --backend kubernetes");

        Run global = up(
                "--backend",
                "kubernetes",
                "--clusters",
                "2",
                "--multicluster",
                "global",
                "--context",
                "a",
                "--context",
                "b");
        assertThat(global.exit()).isEqualTo(2);
        assertThat(global.err()).contains("--multicluster global runs on the local backend");

        Run cacerts = up(
                "--backend",
                "kubernetes",
                "--clusters",
                "2",
                "--kubeconfig",
                "a.yaml",
                "--kubeconfig",
                "b.yaml",
                "--cacerts",
                dir.toString());
        assertThat(cacerts.exit()).isEqualTo(2);
        assertThat(cacerts.err())
                .contains("--cacerts " + dir + ": cluster cluster1: cacerts " + dir.resolve("cluster1"));

        Run oneCluster = up("--backend", "kubernetes", "--cacerts", dir.toString());
        assertThat(oneCluster.exit()).isEqualTo(2);
        assertThat(oneCluster.err())
                .contains("--cacerts " + dir + " lacks [ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem]");
    }

    @Test
    void oneApiServerGivenTwiceOrAContextTheFileLacksIsNamed() throws Exception {
        Path kubeconfig = dir.resolve("kubeconfig.yaml");
        Files.writeString(
                kubeconfig,
                "apiVersion: v1\nkind: Config\nclusters:\n- cluster: {server: '"
                        + client.getConfiguration().getMasterUrl()
                        + "'}\n  name: c\ncontexts:\n- context: {cluster: c, user: u}\n  name: c1\n"
                        + "- context: {cluster: c, user: u}\n  name: c2\ncurrent-context: c1\n"
                        + "users:\n- name: u\n  user: {token: admin}\n");
        Run same = up(
                "--backend",
                "kubernetes",
                "--clusters",
                "2",
                "--kubeconfig",
                kubeconfig.toString(),
                "--context",
                "c1",
                "--context",
                "c2",
                "--image",
                "registry.example.com/meshbox:1");
        assertThat(same.exit()).isNotZero();
        assertThat(same.err())
                .contains("cluster1 and cluster2 are the same cluster (API server "
                        + client.getConfiguration().getMasterUrl());
        assertThat(client.namespaces().list().getItems()).as("nothing created").isEmpty();

        assertThatThrownBy(() -> Clusters.fromKubeconfig(kubeconfig, "kind-cluster3"))
                .hasMessage(
                        "--context kind-cluster3: no such context in " + kubeconfig + " (kubectl config get-contexts)");
    }
}
