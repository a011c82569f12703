package dev.meshbox.scenarios;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads where built-in workloads run ({@code locality: region1/zone1}, and for helloworld {@code localities: [...]},
 * one Deployment per locality as Istio's locality load balancing task generates them) and the {@code proxyAdmin} step
 * action ({@code {workload: helloworld-region1.zone1.sample, post: /drain_listeners}}).
 */
final class WorkloadLocalities {

    /** A Kubernetes label value: what each part of a locality becomes. */
    private static final String LABEL_VALUE = "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?";

    private WorkloadLocalities() {}

    /** The workload with its {@code locality} and {@code localities}, or their problems reported at {@code path}. */
    static BuiltinWorkloads.Parsed read(FieldReader r, JsonNode n, String path, BuiltinWorkloads.Parsed parsed) {
        Optional<String> locality = r.text(n, path, "locality", false);
        locality.ifPresent(l -> check(r, path + ".locality", l));
        List<String> localities = new ArrayList<>();
        JsonNode list = n.get("localities");
        if (list != null) {
            String at = path + ".localities";
            if (!list.isArray() || list.isEmpty()) {
                r.problem(at, "must be a non-empty list of localities region/zone[/subzone], e.g. [region1/zone1]");
            } else {
                Set<String> seen = new HashSet<>();
                for (int i = 0; i < list.size(); i++) {
                    String l = list.get(i).asText();
                    if (check(r, at + "[" + i + "]", l) && !seen.add(l)) {
                        r.problem(at + "[" + i + "]", "locality " + l + " is listed twice");
                    }
                    localities.add(l);
                }
            }
            if (parsed.workload().isPresent() && !parsed.workload().get().name().equals("helloworld")) {
                r.problem(at, "is for helloworld (one Deployment per locality); give other workloads locality");
            }
            if (locality.isPresent()) {
                r.problem(at, "give either locality (every pod in one) or localities (one Deployment each), not both");
            }
        }
        return new BuiltinWorkloads.Parsed(
                parsed.workload()
                        .map(b -> new Scenario.Builtin(
                                b.name(),
                                b.namespace(),
                                b.serviceAccount(),
                                b.sidecar(),
                                b.proxylessGrpc(),
                                locality,
                                localities)),
                parsed.problems());
    }

    /** Whether {@code locality} is {@code region/zone[/subzone]} of label values; a problem names it otherwise. */
    private static boolean check(FieldReader r, String path, String locality) {
        String[] parts = locality.split("/", -1);
        boolean ok = parts.length >= 1 && parts.length <= 3;
        for (String p : parts) {
            ok &= p.matches(LABEL_VALUE);
        }
        if (!ok) {
            r.problem(
                    path,
                    "locality \"" + locality + "\" must be region, region/zone or region/zone/subzone, each a label"
                            + " value (a-z, 0-9, '-', '_', '.'), e.g. region1/zone1");
        }
        return ok;
    }

    /** A step's {@code proxyAdmin: {workload: NAME[.NAMESPACE], post: /drain_listeners}}, when it has one. */
    static Optional<ProxyAdmin> proxyAdmin(FieldReader r, JsonNode step, String stepPath) {
        JsonNode n = step.get("proxyAdmin");
        String path = stepPath + ".proxyAdmin";
        if (n == null) {
            return Optional.empty();
        }
        if (!r.isObject(n, path, "{workload, post}")) {
            return Optional.empty();
        }
        r.only(n, path, Set.of("workload", "post"));
        Optional<String> workload = r.text(n, path, "workload", true);
        Optional<String> post = r.text(n, path, "post", true);
        post.filter(p -> !p.startsWith("/"))
                .ifPresent(p -> r.problem(path + ".post", "must be an admin path such as /drain_listeners, got " + p));
        if (workload.isEmpty() || post.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new ProxyAdmin(workload.get(), post.get()));
    }
}
