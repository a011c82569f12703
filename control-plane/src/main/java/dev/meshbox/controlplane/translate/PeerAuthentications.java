package dev.meshbox.controlplane.translate;

import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.config.PeerAuthentication;
import dev.meshbox.controlplane.config.PeerAuthentication.Mode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The applied PeerAuthentications, indexed to answer Istio's question for one workload: which mTLS mode holds on each of
 * its ports ({@code composePeerAuthentication} in {@code pilot/pkg/security/authn}). Scopes go mesh (root namespace,
 * no selector) < namespace (no selector) < workload (selector); the narrowest that sets a mode wins and UNSET inherits;
 * a mesh left UNSET is PERMISSIVE. Of several mesh-wide or namespace-wide policies only the oldest counts, and of
 * several workload policies selecting one workload the oldest wins. {@code portLevelMtls} of the winning workload
 * policy overrides per target port (an UNSET port inherits the workload's mode).
 */
public final class PeerAuthentications {

    /**
     * The resolved policy of one workload.
     *
     * @param mode the workload-wide mode, never UNSET
     * @param perPort target port to the mode there, never UNSET
     * @param explicit whether some policy applied (false: Istio's default PERMISSIVE, nothing written)
     */
    public record Effective(Mode mode, Map<Integer, Mode> perPort, boolean explicit) {

        public static final Effective DEFAULT = new Effective(Mode.PERMISSIVE, Map.of(), false);

        public Effective {
            perPort = Map.copyOf(perPort);
        }

        /** The mode on target port {@code port}. */
        public Mode at(int port) {
            return perPort.getOrDefault(port, mode);
        }
    }

    private final PeerAuthentication mesh;
    private final Map<String, PeerAuthentication> byNamespace;
    /** Workload policies by namespace, oldest first. */
    private final Map<String, List<PeerAuthentication>> workloads;

    private final List<String> warnings;

    private PeerAuthentications(
            PeerAuthentication mesh,
            Map<String, PeerAuthentication> byNamespace,
            Map<String, List<PeerAuthentication>> workloads,
            List<String> warnings) {
        this.mesh = mesh;
        this.byNamespace = byNamespace;
        this.workloads = workloads;
        this.warnings = List.copyOf(warnings);
    }

    /** The index of the policies in {@code config}. */
    public static PeerAuthentications of(ConfigStore.Snapshot config) {
        List<PeerAuthentication> all = new ArrayList<>(config.all(PeerAuthentication.class));
        all.sort(Comparator.comparingLong(
                        (PeerAuthentication pa) -> config.created(pa.meta().key()))
                .thenComparing(pa -> pa.meta().key()));
        PeerAuthentication mesh = null;
        Map<String, PeerAuthentication> byNamespace = new HashMap<>();
        Map<String, List<PeerAuthentication>> workloads = new TreeMap<>();
        List<String> warnings = new ArrayList<>();
        for (PeerAuthentication pa : all) {
            String ns = pa.meta().namespace();
            String display = pa.meta().display();
            if (pa.selectorWithoutLabels()) {
                warnings.add(display + ": workload selector specified without labels; the policy applies to the"
                        + " whole " + (ns.equals(PeerAuthentication.ROOT_NAMESPACE) ? "mesh" : "namespace " + ns));
            }
            if (pa.workloadScoped()) {
                if (ns.equals(PeerAuthentication.ROOT_NAMESPACE)) {
                    warnings.add(display + ": a policy with a selector in the root namespace "
                            + PeerAuthentication.ROOT_NAMESPACE + " is ignored, as Istio ignores it; put it in the"
                            + " workload's namespace");
                } else {
                    workloads.computeIfAbsent(ns, k -> new ArrayList<>()).add(pa);
                }
            } else if (ns.equals(PeerAuthentication.ROOT_NAMESPACE)) {
                if (mesh == null) {
                    mesh = pa;
                } else {
                    warnings.add(ignored(pa, mesh, "mesh-wide"));
                }
            } else {
                PeerAuthentication older = byNamespace.putIfAbsent(ns, pa);
                if (older != null) {
                    warnings.add(ignored(pa, older, "namespace-wide"));
                }
            }
        }
        return new PeerAuthentications(mesh, byNamespace, workloads, warnings);
    }

    private static String ignored(PeerAuthentication newer, PeerAuthentication older, String scope) {
        return newer.meta().display() + ": ignored, " + older.meta().display() + " is older and Istio counts only the"
                + " oldest " + scope + " PeerAuthentication";
    }

    /** What the index noticed: ignored policies, selectors without labels. */
    public List<String> warnings() {
        return warnings;
    }

    /** Whether no PeerAuthentication is applied at all. */
    public boolean isEmpty() {
        return mesh == null && byNamespace.isEmpty() && workloads.isEmpty();
    }

    /** The effective policy of a workload in {@code namespace} with {@code labels}. */
    public Effective effective(String namespace, Map<String, String> labels) {
        boolean explicit = false;
        Mode mode = Mode.PERMISSIVE;
        if (mesh != null) {
            explicit = true;
            mode = inherit(mode, mesh.mode());
        }
        PeerAuthentication ns = byNamespace.get(namespace);
        if (ns != null) {
            explicit = true;
            mode = inherit(mode, ns.mode());
        }
        PeerAuthentication workload = null;
        for (PeerAuthentication pa : workloads.getOrDefault(namespace, List.of())) {
            if (pa.selector().entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())))) {
                workload = pa;
                break;
            }
        }
        if (workload == null) {
            return explicit ? new Effective(mode, Map.of(), true) : Effective.DEFAULT;
        }
        mode = inherit(mode, workload.mode());
        Map<Integer, Mode> perPort = new TreeMap<>();
        for (Map.Entry<Integer, Mode> e : workload.portLevelMtls().entrySet()) {
            perPort.put(e.getKey(), inherit(mode, e.getValue()));
        }
        return new Effective(mode, perPort, true);
    }

    private static Mode inherit(Mode parent, Mode own) {
        return own == Mode.UNSET ? parent : own;
    }
}
