package dev.meshbox.controlplane.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The older multi-cluster model's rules for {@code .global} names (Istio 1.1 to 1.7, "multicluster gateways"
 * setup): a MESH_INTERNAL ServiceEntry for a service of another cluster is written with host
 * {@code <name>.<namespace>.global}, a virtual address from 240.0.0.0/4 and the remote cluster's gateway on port 15443
 * as its endpoint. The gateway's {@code tcp_cluster_rewrite} turns the SNI's {@code .global} into
 * {@code .svc.cluster.local}, so a host of any other shape names nothing there, and an entry without a 15443 endpoint
 * never reaches the other cluster (240.0.0.0/4 is not routable): both are errors. An address outside 240.0.0.0/4
 * works (it only has to be unique) but may clash with a real one, so it is a warning, as the docs advise it.
 *
 * <p>MESH_EXTERNAL entries are left alone: {@code .global} is also a public top-level domain. Entries with a
 * {@code workloadSelector} pick local pods and are not the cross-cluster kind either.
 */
public final class GlobalNames {

    /** The port of a remote cluster's multicluster gateway, "Do not change this port value" in Istio's docs. */
    public static final int GATEWAY_PORT = 15443;

    /** The suffix of the older model's cross-cluster names. */
    public static final String SUFFIX = ".global";

    private static final Pattern NAME_NAMESPACE =
            Pattern.compile("([a-z0-9]([-a-z0-9]*[a-z0-9])?)\\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\\.global");
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})(/\\d+)?");

    private GlobalNames() {}

    /** Whether {@code host} is a {@code .global} name. */
    public static boolean isGlobal(String host) {
        return host.toLowerCase(Locale.ROOT).endsWith(SUFFIX);
    }

    /**
     * The Kubernetes service name the gateway rewrites a {@code <name>.<namespace>.global} host to
     * ({@code <name>.<namespace>.svc.cluster.local}), or empty when the host is not of that shape.
     */
    public static String localName(String host) {
        Matcher m = NAME_NAMESPACE.matcher(host.toLowerCase(Locale.ROOT));
        return m.matches() ? m.group(1) + "." + m.group(3) + ".svc.cluster.local" : "";
    }

    /** Whether {@code address} (an IPv4 address or CIDR) lies in 240.0.0.0/4, Istio's advice for .global VIPs. */
    public static boolean inClassE(String address) {
        Matcher m = IPV4.matcher(address);
        if (!m.matches()) {
            return false;
        }
        int first = Integer.parseInt(m.group(1));
        return first >= 240 && first <= 255;
    }

    /** The errors of a parsed ServiceEntry under the {@code .global} rules, reported to {@code p}. */
    static void check(ServiceEntry se, YamlNode.Problems p) {
        if (se.location() != ServiceEntry.Location.MESH_INTERNAL
                || !se.workloadSelector().isEmpty()) {
            return;
        }
        boolean global = false;
        for (int i = 0; i < se.hosts().size(); i++) {
            String host = se.hosts().get(i);
            if (!isGlobal(host)) {
                continue;
            }
            global = true;
            if (localName(host).isEmpty()) {
                p.add(
                        "spec.hosts[" + i + "]",
                        "invalid .global host \"" + host + "\": a MESH_INTERNAL .global host must be"
                                + " <name>.<namespace>.global, the remote cluster's service name and namespace (the"
                                + " remote gateway rewrites it to <name>.<namespace>.svc.cluster.local)");
            }
        }
        if (!global) {
            return;
        }
        boolean gatewayEndpoint =
                se.endpoints().stream().anyMatch(e -> e.ports().containsValue(GATEWAY_PORT));
        if (!gatewayEndpoint) {
            p.add(
                    "spec.endpoints",
                    "a MESH_INTERNAL .global host needs an endpoint at the remote cluster's gateway port "
                            + GATEWAY_PORT + ", as Istio's multicluster gateways setup writes it (endpoints:"
                            + " [{address: <remote gateway address>, ports: {" + portName(se) + ": "
                            + GATEWAY_PORT + "}}]); without it requests to " + firstGlobal(se)
                            + " never leave this cluster");
        }
    }

    /** The warnings of the {@code .global} ServiceEntries in {@code entries}: addresses outside 240.0.0.0/4. */
    public static List<String> warnings(List<ServiceEntry> entries) {
        List<String> out = new ArrayList<>();
        for (ServiceEntry se : entries) {
            if (se.location() != ServiceEntry.Location.MESH_INTERNAL
                    || se.hosts().stream().noneMatch(GlobalNames::isGlobal)) {
                continue;
            }
            for (int i = 0; i < se.addresses().size(); i++) {
                String a = se.addresses().get(i);
                if (!inClassE(a)) {
                    out.add(se.meta().display() + ": spec.addresses[" + i + "]: address " + a + " of a .global"
                            + " host is outside 240.0.0.0/4; Istio's multicluster gateways setup takes .global"
                            + " addresses from the non-routable 240.0.0.0/4 so they never clash with a real one");
                }
            }
        }
        return out;
    }

    private static String portName(ServiceEntry se) {
        return se.ports().isEmpty() ? "<port name>" : se.ports().get(0).name();
    }

    private static String firstGlobal(ServiceEntry se) {
        return se.hosts().stream().filter(GlobalNames::isGlobal).findFirst().orElse("");
    }
}
