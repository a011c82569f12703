package dev.meshbox.launcher.backend;

import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.config.GlobalNames;
import dev.meshbox.controlplane.config.ServiceEntry;
import dev.meshbox.controlplane.dns.GlobalDnsStub;
import dev.meshbox.scenarios.MeshAccess;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What Istio's older multi-cluster model (replicated control planes, {@code .global} names; Istio 1.1 to 1.7) adds to
 * each cluster: Istio 1.4's preconfigured Gateway {@code istio-multicluster-ingressgateway} (15443, AUTO_PASSTHROUGH,
 * {@code *.global}) and DestinationRule {@code istio-multicluster-destinationrule} ({@code *.global}, ISTIO_MUTUAL),
 * a DNS stub standing for istiocoredns, and the address of the cluster's gateway on 15443, which the other clusters'
 * ServiceEntries name as their endpoint. The clusters share a root of trust but no registry.
 */
public final class GlobalNamesClusters implements AutoCloseable {

    /** The bundled preconfigured objects, applied as built-in config in every cluster. */
    public static final String PRECONFIGURED = "multicluster-global.yaml";

    private final Map<String, GlobalDnsStub> dns;
    private final Map<String, InetSocketAddress> gateways;

    private GlobalNamesClusters(Map<String, GlobalDnsStub> dns, Map<String, InetSocketAddress> gateways) {
        this.dns = dns;
        this.gateways = gateways;
    }

    /** A cluster's mesh with the preconfigured objects among its built-in config. */
    public static MeshSpec withPreconfigured(MeshSpec mesh) {
        java.util.List<String> config = new java.util.ArrayList<>(mesh.defaultConfigNames());
        config.add(PRECONFIGURED);
        return new MeshSpec(mesh.services(), mesh.pods(), config);
    }

    /**
     * Starts a DNS stub per cluster answering from that cluster's ServiceEntries, and prints, per cluster, the stub's
     * address and the gateway endpoint a ServiceEntry in another cluster needs.
     */
    public static GlobalNamesClusters start(Map<String, LocalMesh> clusters, PrintStream progress) {
        Map<String, GlobalDnsStub> dns = new LinkedHashMap<>();
        Map<String, InetSocketAddress> gateways = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, LocalMesh> c : clusters.entrySet()) {
                ConfigStore store = c.getValue().controlPlane().config();
                dns.put(c.getKey(), GlobalDnsStub.start(() -> store.snapshot().all(ServiceEntry.class), 0));
                gateways.put(
                        c.getKey(),
                        new InetSocketAddress(c.getValue().ingress().getAddress(), GlobalNames.GATEWAY_PORT));
            }
        } catch (IOException e) {
            dns.values().forEach(GlobalDnsStub::close);
            throw new UncheckedIOException("cannot start a .global DNS stub: " + e.getMessage(), e);
        }
        GlobalNamesClusters out = new GlobalNamesClusters(Map.copyOf(dns), Map.copyOf(gateways));
        for (String cluster : clusters.keySet()) {
            progress.printf(
                    "[%s] .global DNS (istiocoredns) on %s; ServiceEntries in other clusters reach this cluster at"
                            + " endpoint address %s (%s), ports {<port name>: %d}%n",
                    cluster,
                    "127.0.0.1:" + out.dns(cluster).getPort(),
                    out.gateway(cluster).getAddress().getHostAddress(),
                    "${" + gatewayVariable(cluster) + "}",
                    GlobalNames.GATEWAY_PORT);
        }
        return out;
    }

    /** The DNS stub of {@code cluster}, {@code 127.0.0.1:PORT} (UDP and TCP). */
    public InetSocketAddress dns(String cluster) {
        GlobalDnsStub stub = dns.get(cluster);
        if (stub == null) {
            throw new IllegalArgumentException("no cluster " + cluster + "; the clusters are " + dns.keySet());
        }
        return new InetSocketAddress("127.0.0.1", stub.port());
    }

    /** The gateway of {@code cluster} on 15443: the endpoint other clusters' {@code .global} ServiceEntries need. */
    public InetSocketAddress gateway(String cluster) {
        InetSocketAddress gw = gateways.get(cluster);
        if (gw == null) {
            throw new IllegalArgumentException("no cluster " + cluster + "; the clusters are " + gateways.keySet());
        }
        return gw;
    }

    /**
     * The variable Istio's multicluster gateways docs export for a cluster's gateway address, {@code CLUSTER2_GW_ADDR}
     * for cluster2, as their ServiceEntries write it: {@code address: ${CLUSTER2_GW_ADDR}}.
     */
    public static String gatewayVariable(String cluster) {
        return cluster.toUpperCase(Locale.ROOT).replace('-', '_') + "_GW_ADDR";
    }

    /** {@code config} with every {@code ${CLUSTERn_GW_ADDR}} replaced by that cluster's gateway address. */
    public List<MeshAccess.ConfigText> expand(List<MeshAccess.ConfigText> config) {
        return config.stream()
                .map(c -> new MeshAccess.ConfigText(c.name(), expand(c.text())))
                .toList();
    }

    /** {@code text} with every {@code ${CLUSTERn_GW_ADDR}} replaced by that cluster's gateway address. */
    public String expand(String text) {
        String out = text;
        for (Map.Entry<String, InetSocketAddress> gw : gateways.entrySet()) {
            out = out.replace(
                    "${" + gatewayVariable(gw.getKey()) + "}",
                    gw.getValue().getAddress().getHostAddress());
        }
        return out;
    }

    @Override
    public void close() {
        dns.values().forEach(GlobalDnsStub::close);
    }
}
