package dev.meshbox.controlplane.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads and validates a Telemetry spec's tracing part as Istio's webhook and schema do ({@code ValidateTelemetry} in
 * {@code pkg/config/validation}: a sampling percentage within 0..100; one custom tag type per tag), naming the field of
 * each problem. Whether a provider name exists depends on the mesh config, so {@link TelemetryProviders} checks it at
 * apply time. {@code metrics} and {@code accessLogging} are accepted and not read.
 */
final class TelemetryParser {

    private TelemetryParser() {}

    static Telemetry parse(ResourceMeta meta, String yaml, YamlNode spec) {
        spec.onlyFields(Set.of("selector", "targetRef", "targetRefs", "tracing", "metrics", "accessLogging"));
        YamlNode selector = spec.obj("selector");
        selector.onlyFields(Set.of("matchLabels"));
        Map<String, String> labels = selector.stringMap("matchLabels");
        List<Telemetry.Tracing> tracing = spec.list("tracing", TelemetryParser::tracing);
        return new Telemetry(meta, yaml, labels, tracing);
    }

    private static Telemetry.Tracing tracing(YamlNode t) {
        t.onlyFields(Set.of(
                "match",
                "providers",
                "randomSamplingPercentage",
                "disableSpanReporting",
                "customTags",
                "useRequestIdForTraceSampling",
                "enableIstioTags"));
        List<String> providers = t.list("providers", p -> {
            p.onlyFields(Set.of("name"));
            String name = p.requiredStr("name");
            return name.isEmpty() ? null : name;
        });
        Optional<Double> pct = t.number("randomSamplingPercentage");
        if (pct.isPresent() && (pct.get() < 0 || pct.get() > 100 || pct.get().isNaN())) {
            t.problems().add(t.path() + ".randomSamplingPercentage", "must be in range [0.0, 100.0], got " + pct.get());
        }
        Map<String, Telemetry.CustomTag> tags = new LinkedHashMap<>();
        t.entries("customTags").forEach((name, tag) -> {
            Telemetry.CustomTag parsed = customTag(tag);
            if (parsed != null) {
                tags.put(name, parsed);
            }
        });
        return new Telemetry.Tracing(providers, pct, t.bool("disableSpanReporting"), tags);
    }

    private static Telemetry.CustomTag customTag(YamlNode tag) {
        tag.onlyFields(Set.of("literal", "environment", "header"));
        int kinds = (tag.has("literal") ? 1 : 0) + (tag.has("environment") ? 1 : 0) + (tag.has("header") ? 1 : 0);
        if (kinds != 1) {
            tag.problem("must set exactly one of literal, environment, header");
            return null;
        }
        if (tag.has("literal")) {
            YamlNode l = tag.obj("literal");
            l.onlyFields(Set.of("value"));
            return new Telemetry.CustomTag(Telemetry.CustomTag.Kind.LITERAL, "", l.requiredStr("value"));
        }
        Telemetry.CustomTag.Kind kind =
                tag.has("environment") ? Telemetry.CustomTag.Kind.ENVIRONMENT : Telemetry.CustomTag.Kind.HEADER;
        YamlNode n = tag.obj(kind == Telemetry.CustomTag.Kind.ENVIRONMENT ? "environment" : "header");
        n.onlyFields(Set.of("name", "defaultValue"));
        return new Telemetry.CustomTag(
                kind, n.requiredStr("name"), n.str("defaultValue").orElse(""));
    }
}
