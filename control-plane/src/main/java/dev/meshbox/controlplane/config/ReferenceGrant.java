package dev.meshbox.controlplane.config;

import java.util.List;
import java.util.Optional;

/**
 * gateway.networking.k8s.io ReferenceGrant: lets resources of the {@code from} kinds and namespaces refer to the
 * {@code to} kinds (optionally one name) in the grant's own namespace, e.g. an HTTPRoute to a Service elsewhere.
 */
public record ReferenceGrant(ResourceMeta meta, String yaml, List<From> from, List<To> to) implements IstioResource {

    public record From(String group, String kind, String namespace) {}

    public record To(String group, String kind, Optional<String> name) {}

    /** Whether a {@code fromKind} in {@code fromNamespace} may refer to {@code toKind} {@code name} here. */
    public boolean permits(
            String fromGroup, String fromKind, String fromNamespace, String toGroup, String toKind, String name) {
        boolean fromOk = from.stream()
                .anyMatch(f -> f.group().equals(fromGroup)
                        && f.kind().equals(fromKind)
                        && f.namespace().equals(fromNamespace));
        boolean toOk = to.stream()
                .anyMatch(t -> normal(t.group()).equals(normal(toGroup))
                        && t.kind().equals(toKind)
                        && t.name().map(name::equals).orElse(true));
        return fromOk && toOk;
    }

    private static String normal(String group) {
        return group.equals("core") ? "" : group;
    }
}
