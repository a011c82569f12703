package dev.meshbox.controlplane.config;

import java.util.Optional;
import java.util.Set;

/** Reads Istio's {@code Percent} message ({@code value: 0..100}) with validation. */
final class Percent {
    private Percent() {}

    static Optional<Double> read(YamlNode parent, String key) {
        if (!parent.has(key)) {
            return Optional.empty();
        }
        YamlNode p = parent.obj(key);
        p.onlyFields(Set.of("value"));
        Optional<Double> v = p.number("value");
        if (v.isPresent() && (v.get() < 0 || v.get() > 100)) {
            p.problems().add(p.path() + ".value", "must be between 0 and 100, got " + v.get());
            return Optional.empty();
        }
        return Optional.of(v.orElse(0.0));
    }
}
