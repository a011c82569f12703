package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.launcher.backend.GlobalNamesClusters;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.backend.MultiClusterMesh;
import dev.meshbox.launcher.backend.MultiClusterMesh.ClusterSpec;
import dev.meshbox.launcher.backend.MultiClusterModel;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.TrafficDriver;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Istio's older multi-cluster model (replicated control planes, {@code .global} names; the 1.1 to 1.7 "multicluster
 * gateways" setup) end to end: httpbin in cluster2 (namespace bar), sleep in cluster1 (namespace foo), the docs'
 * ServiceEntry httpbin-bar in cluster1 naming cluster2's gateway on 15443; {@code GET httpbin.bar.global:8000/headers}
 * from sleep answers 200 through cluster2's ingress gateway, httpbin's sidecar sees sleep's identity, and cluster1's
 * DNS stub answers the entry's address.
 */
class GlobalNamesIT {

    private static final String SLEEP_ID = "spiffe://cluster.local/ns/foo/sa/sleep";

    @Test
    void sleepInCluster1ReachesHttpbinInCluster2ByItsGlobalName() throws Exception {
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        List<ClusterSpec> clusters = List.of(
                new ClusterSpec(
                        "cluster1",
                        "network1",
                        MeshSpec.of(List.of(new Scenario.Builtin("sleep", "foo", Optional.empty(), true)))),
                new ClusterSpec(
                        "cluster2",
                        "network2",
                        MeshSpec.of(List.of(new Scenario.Builtin("httpbin", "bar", Optional.empty(), true)))));
        try (MultiClusterMesh mesh = MultiClusterMesh.start(
                clusters,
                MultiClusterModel.GLOBAL,
                LocalOptions.isolated(OptionalLong.of(21)),
                new PrintStream(progress, true, StandardCharsets.UTF_8))) {
            GlobalNamesClusters global = mesh.globalNames().orElseThrow();
            InetSocketAddress gateway2 = global.gateway("cluster2");
            assertThat(progress.toString(StandardCharsets.UTF_8))
                    .contains("[cluster2] .global DNS (istiocoredns) on 127.0.0.1:")
                    .contains("endpoint address " + gateway2.getAddress().getHostAddress()
                            + " (${CLUSTER2_GW_ADDR}), ports {<port name>: 15443}");

            MeshAccess.ApplyOutcome applied = mesh.cluster("cluster1")
                    .apply(global.expand(List.of(new MeshAccess.ConfigText("httpbin-bar.yaml", """
                            apiVersion: networking.istio.io/v1alpha3
                            kind: ServiceEntry
                            metadata:
                              name: httpbin-bar
                              namespace: foo
                            spec:
                              hosts:
                              - httpbin.bar.global
                              location: MESH_INTERNAL
                              ports:
                              - name: http1
                                number: 8000
                                protocol: http
                              resolution: DNS
                              addresses:
                              - 240.0.0.2
                              endpoints:
                              - address: ${CLUSTER2_GW_ADDR}
                                ports:
                                  http1: 15443 # Do not change this port value
                            """))));
            assertThat(applied.problems()).isEmpty();

            TrafficDriver.Result r = new TrafficDriver(mesh)
                    .send(
                            new Scenario.Traffic(
                                    "sleep@cluster1", "GET", "http://httpbin.bar.global:8000/headers", Map.of(), 1, 1),
                            "global1",
                            x -> {})
                    .get(0);

            assertThat(r.status()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("URI=" + SLEEP_ID);
            String pod = mesh.pod("httpbin@cluster2").pod().name();
            assertThat(mesh.cluster("cluster2").accessLog().stream()
                            .filter(e -> e.pod().equals(pod) && e.direction().equals("inbound"))
                            .map(MeshAccess.LogEntry::downstreamPeerUriSan))
                    .contains(SLEEP_ID);
            assertThat(mesh.counters("istio-ingressgateway@cluster2"))
                    .as("cluster2's ingress gateway passed the call through on 15443 by its SNI")
                    .hasEntrySatisfying(
                            "cluster.outbound_.8000_._.httpbin.bar.svc.cluster.local.upstream_cx_total",
                            n -> assertThat(n).isPositive());
            assertThat(resolve(global.dns("cluster1"), "httpbin.bar.global")).isEqualTo("240.0.0.2");
        }
    }

    /** One A query over UDP, as a pod's resolver asks istiocoredns; the first answer. */
    private static String resolve(InetSocketAddress dns, String name) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        out.writeShort(7);
        out.writeShort(0x0100);
        out.writeShort(1);
        out.writeShort(0);
        out.writeInt(0);
        for (String label : name.split("\\.")) {
            out.writeByte(label.length());
            out.write(label.getBytes(StandardCharsets.US_ASCII));
        }
        out.writeByte(0);
        out.writeShort(1);
        out.writeShort(1);
        byte[] q = b.toByteArray();
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            s.setSoTimeout(5_000);
            s.send(new DatagramPacket(q, q.length, dns));
            DatagramPacket p = new DatagramPacket(new byte[512], 512);
            s.receive(p);
            byte[] r = p.getData();
            assertThat(r[3] & 0x0F).as("rcode").isZero();
            assertThat(r[7]).as("answers").isEqualTo((byte) 1);
            int at = q.length + 12;
            return (r[at] & 0xFF) + "." + (r[at + 1] & 0xFF) + "." + (r[at + 2] & 0xFF) + "." + (r[at + 3] & 0xFF);
        }
    }
}
