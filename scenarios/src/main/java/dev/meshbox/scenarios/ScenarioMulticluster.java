package dev.meshbox.scenarios;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;

/**
 * A scenario's top-level {@code multicluster:}, which of Istio's multi-cluster models its {@code clusters} run:
 * {@code multi-primary} (the default: remote secrets, east-west gateways) or {@code global} (Istio 1.1 to 1.7's
 * replicated control planes with {@code .global} names: no remote secrets, the preconfigured *.global Gateway and
 * DestinationRule in each cluster, a DNS stub per cluster; ServiceEntries may write a cluster's gateway address as
 * the docs do, {@code ${CLUSTER2_GW_ADDR}}).
 */
final class ScenarioMulticluster {

    /** The models by their word. */
    static final Set<String> MODELS = Set.of("multi-primary", "global");

    private ScenarioMulticluster() {}

    /** The model's word, or empty when the scenario names none; problems reported to {@code r}. */
    static String read(FieldReader r, JsonNode root, List<Scenario.Cluster> clusters) {
        if (!root.has("multicluster")) {
            return "";
        }
        String word = r.text(root, "", "multicluster", false).orElse("");
        if (!MODELS.contains(word)) {
            r.problem(
                    "multicluster",
                    "must be multi-primary (remote secrets, today's Istio) or global (.global names, Istio 1.1 to"
                            + " 1.7), got \"" + word + "\"");
            return "";
        }
        if (clusters.isEmpty()) {
            r.problem(
                    "multicluster",
                    "needs clusters: the model of a multi-cluster mesh, e.g. clusters: [{name: cluster1, network:"
                            + " network1}, {name: cluster2, network: network2}]");
        }
        return word;
    }
}
