package dev.meshbox.launcher.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meshbox.launcher.backend.MultiClusterModel;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code up --clusters N --multicluster MODEL}: the model's word, refused alone or unknown. */
class UpMulticlusterTest {

    private final CommandLine cmd = new CommandLine(new UpCommand());

    @Test
    void globalRunsTheOlderModelAndMultiPrimaryIsTheDefault() {
        assertThat(UpClusters.model(cmd, "global", 2)).isEqualTo(MultiClusterModel.GLOBAL);
        assertThat(UpClusters.model(cmd, "multi-primary", 1)).isEqualTo(MultiClusterModel.MULTI_PRIMARY);
    }

    @Test
    void anUnknownModelOrGlobalWithOneClusterIsRefused() {
        assertThatThrownBy(() -> UpClusters.model(cmd, "legacy", 2))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessage("--multicluster legacy: unknown multi-cluster model \"legacy\"; use multi-primary (remote"
                        + " secrets, today's Istio) or global (.global names, Istio 1.1 to 1.7)");
        assertThatThrownBy(() -> UpClusters.model(cmd, "global", 1))
                .hasMessage("--multicluster global needs --clusters 2 or more");
    }

    @Test
    void addonsWithSeveralClustersAreRefusedNotIgnored() {
        java.io.StringWriter err = new java.io.StringWriter();
        int exit = new CommandLine(new UpCommand())
                .setErr(new java.io.PrintWriter(err, true))
                .execute("--clusters", "2", "--tracing");
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--tracing: the addons run with one cluster for now");
    }

    @Test
    void onDockerEachClusterIsItsOwnNetwork() {
        java.io.StringWriter err = new java.io.StringWriter();
        int exit = new CommandLine(new UpCommand())
                .setErr(new java.io.PrintWriter(err, true))
                .execute("--backend", "docker", "--clusters", "2", "--single-network");
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString())
                .contains("--single-network: on the docker backend each cluster is its own Docker network; run it with"
                        + " --backend local");
    }
}
