package dev.meshbox.controlplane.config;

import java.util.List;
import java.util.Set;

/** Reads and validates a ReferenceGrant spec. */
final class ReferenceGrantParser {

    private ReferenceGrantParser() {}

    static ReferenceGrant parse(ResourceMeta meta, String yaml, YamlNode spec) {
        spec.onlyFields(Set.of("from", "to"));
        List<ReferenceGrant.From> from = spec.list("from", n -> {
            n.onlyFields(Set.of("group", "kind", "namespace"));
            if (!n.has("group")) {
                n.problems().add(n.path() + ".group", "is required");
            }
            return new ReferenceGrant.From(
                    n.str("group").orElse(""), n.requiredStr("kind"), n.requiredStr("namespace"));
        });
        List<ReferenceGrant.To> to = spec.list("to", n -> {
            n.onlyFields(Set.of("group", "kind", "name"));
            if (!n.has("group")) {
                n.problems().add(n.path() + ".group", "is required");
            }
            return new ReferenceGrant.To(n.str("group").orElse(""), n.requiredStr("kind"), n.str("name"));
        });
        if (spec.list("from").isEmpty()) {
            spec.problems().add("spec.from", "must list at least one entry");
        }
        if (spec.list("to").isEmpty()) {
            spec.problems().add("spec.to", "must list at least one entry");
        }
        return new ReferenceGrant(meta, yaml, from, to);
    }
}
