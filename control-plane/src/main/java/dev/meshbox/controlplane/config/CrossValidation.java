package dev.meshbox.controlplane.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Rules that need more than one resource: a route to a subset no DestinationRule defines would send every request to
 * a cluster that does not exist (503 NC), so it is rejected at apply time, as {@code istioctl analyze} flags it
 * (IST0101). Checked against the store as it would be after the apply, so a rule and its route can come together.
 */
final class CrossValidation {

    private CrossValidation() {}

    static List<ConfigProblem> check(Collection<IstioResource> applied, Collection<IstioResource> after) {
        List<DestinationRule> rules = after.stream()
                .filter(DestinationRule.class::isInstance)
                .map(DestinationRule.class::cast)
                .toList();
        List<ConfigProblem> problems = new ArrayList<>();
        Set<ResourceKey> appliedKeys = new HashSet<>();
        applied.forEach(r -> appliedKeys.add(r.meta().key()));
        for (IstioResource r : after) {
            if (!(r instanceof VirtualService vs)) {
                continue;
            }
            List<ConfigProblem> found = new ArrayList<>();
            check(vs, rules, found);
            if (appliedKeys.contains(vs.meta().key())) {
                problems.addAll(found);
            } else {
                // A VirtualService already serving would lose its subsets: the apply (a DestinationRule) is refused.
                for (ConfigProblem p : found) {
                    problems.add(new ConfigProblem(
                            p.source(),
                            p.resource(),
                            p.field(),
                            p.message() + " once this apply took effect; change "
                                    + vs.meta().display() + " in the same apply, or first"));
                }
            }
        }
        return problems;
    }

    private static void check(VirtualService vs, List<DestinationRule> rules, List<ConfigProblem> problems) {
        for (int i = 0; i < vs.http().size(); i++) {
            VirtualService.HttpRoute route = vs.http().get(i);
            for (int j = 0; j < route.route().size(); j++) {
                subset(
                        vs,
                        route.route().get(j).destination(),
                        "spec.http[" + i + "].route[" + j + "].destination.subset",
                        rules,
                        problems);
            }
            int index = i;
            route.mirror().ifPresent(m -> subset(vs, m, "spec.http[" + index + "].mirror.subset", rules, problems));
        }
    }

    private static void subset(
            VirtualService vs,
            VirtualService.Destination d,
            String field,
            List<DestinationRule> rules,
            List<ConfigProblem> problems) {
        if (d.subset().isEmpty()) {
            return;
        }
        String host = fqdn(d.host(), vs.meta().namespace());
        Optional<DestinationRule> rule = rules.stream()
                .filter(dr -> fqdn(dr.host(), dr.meta().namespace()).equals(host))
                .findFirst();
        String subset = d.subset().get();
        if (rule.isEmpty()) {
            problems.add(new ConfigProblem(
                    vs.meta().source(),
                    vs.meta().display(),
                    field,
                    "subset \"" + subset + "\" needs a DestinationRule for host " + d.host()
                            + " defining it; none is applied (IST0101)"));
        } else if (rule.get().subset(subset).isEmpty()) {
            problems.add(new ConfigProblem(
                    vs.meta().source(),
                    vs.meta().display(),
                    field,
                    "subset \"" + subset + "\" is not defined by "
                            + rule.get().meta().display() + "; it defines "
                            + rule.get().subsets().stream()
                                    .map(DestinationRule.Subset::name)
                                    .toList() + " (IST0101)"));
        }
    }

    /** {@code reviews} in namespace default and {@code reviews.default.svc.cluster.local} are the same host. */
    static String fqdn(String host, String namespace) {
        if (host.endsWith(".svc.cluster.local")) {
            return host;
        }
        String[] parts = host.split("\\.");
        if (parts.length == 1) {
            return host + "." + namespace + ".svc.cluster.local";
        }
        if (parts.length == 2) {
            return host + ".svc.cluster.local";
        }
        return host.endsWith(".svc") ? host + ".cluster.local" : host;
    }
}
