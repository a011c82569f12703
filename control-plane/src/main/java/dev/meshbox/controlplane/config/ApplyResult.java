package dev.meshbox.controlplane.config;

import java.util.List;
import java.util.Locale;

/**
 * The outcome of applying one or more files. Application is all or nothing: if any problem is found, nothing
 * changes and the last good configuration keeps serving.
 */
public record ApplyResult(List<Change> changes, List<ConfigProblem> problems) {

    public enum Action {
        CREATED,
        CONFIGURED,
        UNCHANGED,
        DELETED
    }

    public record Change(ResourceKey key, Action action) {
        /** {@code virtualservice.networking.istio.io/reviews created}, as kubectl prints it. */
        public String display() {
            return GatewayApi.resourceType(key.kind()) + "/" + key.name()
                    + (key.namespace().equals("default") ? "" : " (namespace " + key.namespace() + ")")
                    + " " + action.name().toLowerCase(Locale.ROOT);
        }
    }

    public boolean ok() {
        return problems.isEmpty();
    }
}
