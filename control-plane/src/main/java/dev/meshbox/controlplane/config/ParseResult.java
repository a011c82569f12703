package dev.meshbox.controlplane.config;

import java.util.List;

/** What one YAML file yielded: the valid resources and the problems. A file with problems is applied not at all. */
public record ParseResult(List<IstioResource> resources, List<ConfigProblem> problems) {
    public boolean ok() {
        return problems.isEmpty();
    }
}
