package dev.meshbox.launcher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.config.ServiceEntry;
import dev.meshbox.launcher.admin.AdminServer;
import dev.meshbox.launcher.admin.ClusterTargets;
import dev.meshbox.launcher.backend.MeshControl;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code meshbox apply --cluster NAME} against the admin API of {@code up --clusters N}: each cluster's control plane
 * keeps its own config, as {@code kubectl --context} picks one; {@code ${CLUSTERn_GW_ADDR}} becomes that cluster's
 * gateway address; an unknown cluster is refused naming the clusters there are.
 */
class ApplyClusterCommandTest {

    private final ControlPlane cluster1 = new ControlPlane().clusterIdentity("cluster1", "network1");
    private final ControlPlane cluster2 = new ControlPlane().clusterIdentity("cluster2", "network2");

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        cluster1.close();
        cluster2.close();
    }

    private static final String ENTRY = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: httpbin-bar, namespace: foo}
            spec:
              hosts: [httpbin.bar.global]
              location: MESH_INTERNAL
              ports: [{name: http1, number: 8000, protocol: http}]
              resolution: DNS
              addresses: [240.0.0.2]
              endpoints:
              - address: ${CLUSTER2_GW_ADDR}
                ports: {http1: 15443}
            """;

    private int apply(String url, StringWriter out, StringWriter err, String... more) throws Exception {
        Path f = Files.writeString(dir.resolve("httpbin-bar.yaml"), ENTRY);
        List<String> args = new java.util.ArrayList<>(List.of("-f", f.toString(), "--admin", url));
        args.addAll(List.of(more));
        return new CommandLine(new ApplyCommand())
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(args.toArray(String[]::new));
    }

    private static List<ServiceEntry> entries(ControlPlane cp) {
        return cp.config().snapshot().all(ServiceEntry.class);
    }

    @Test
    void theNamedClusterGetsTheYamlWithGatewayAddressesSubstituted() throws Exception {
        MeshControl one = new MeshControl(cluster1);
        Map<String, MeshControl> clusters = new LinkedHashMap<>();
        clusters.put("cluster1", one);
        clusters.put("cluster2", new MeshControl(cluster2));
        ClusterTargets targets =
                new ClusterTargets(clusters, Map.of("cluster1", "127.0.1.10", "cluster2", "127.0.2.10"));
        try (AdminServer admin = new AdminServer(one, targets, "127.0.0.1", 0)) {
            String url = "http://127.0.0.1:" + admin.port();
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            assertThat(apply(url, out, err, "--cluster", "cluster2"))
                    .as(err.toString())
                    .isZero();
            assertThat(out.toString()).contains("serviceentry.networking.istio.io/httpbin-bar");
            assertThat(entries(cluster1)).isEmpty();
            assertThat(entries(cluster2)).hasSize(1);
            assertThat(entries(cluster2).get(0).endpoints().get(0).address()).isEqualTo("127.0.2.10");

            // No --cluster: cluster1, the first.
            assertThat(apply(url, new StringWriter(), new StringWriter())).isZero();
            assertThat(entries(cluster1)).hasSize(1);

            StringWriter bad = new StringWriter();
            assertThat(apply(url, new StringWriter(), bad, "--cluster", "cluster9"))
                    .isEqualTo(1);
            assertThat(bad.toString())
                    .contains("error: --cluster cluster9: no cluster \"cluster9\" in this mesh; clusters:"
                            + " [cluster1, cluster2]")
                    .contains("Nothing was applied");
        }
    }

    @Test
    void aSingleClusterMeshSaysClusterNeedsSeveral() throws Exception {
        MeshControl one = new MeshControl(cluster1);
        try (AdminServer admin = new AdminServer(one, "127.0.0.1", 0)) {
            StringWriter err = new StringWriter();
            assertThat(apply("http://127.0.0.1:" + admin.port(), new StringWriter(), err, "--cluster", "cluster2"))
                    .isEqualTo(1);
            assertThat(err.toString()).contains("--cluster cluster2: this mesh runs one cluster");
            assertThat(entries(cluster1)).isEmpty();
        }
    }
}
