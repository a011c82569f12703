package dev.meshbox.controlplane.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * The apply-time check of a Telemetry's {@code tracing[].providers[].name}: it must name one of the mesh config's
 * {@code extensionProviders} or Istio's built-in {@code zipkin} default, else the proxies would be configured with a
 * provider nobody defined (Istio drops it with a warning; MeshBox refuses it where it is written).
 */
final class TelemetryProviders {

    private TelemetryProviders() {}

    static List<ConfigProblem> check(Collection<IstioResource> applied, Set<String> known) {
        List<ConfigProblem> problems = new ArrayList<>();
        for (IstioResource r : applied) {
            if (!(r instanceof Telemetry t)) {
                continue;
            }
            for (int i = 0; i < t.tracing().size(); i++) {
                List<String> providers = t.tracing().get(i).providers();
                for (int j = 0; j < providers.size(); j++) {
                    if (!known.contains(providers.get(j))) {
                        problems.add(new ConfigProblem(
                                t.meta().source(),
                                t.meta().display(),
                                "spec.tracing[" + i + "].providers[" + j + "].name",
                                "unknown provider \"" + providers.get(j) + "\"; known: "
                                        + known.stream().sorted().toList()
                                        + " (meshConfig.extensionProviders and the default zipkin)"));
                    }
                }
            }
        }
        return problems;
    }
}
