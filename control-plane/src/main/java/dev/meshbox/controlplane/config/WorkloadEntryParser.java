package dev.meshbox.controlplane.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Reads and validates a WorkloadEntry spec as Istio's webhook does ({@code ValidateWorkloadEntry}). */
final class WorkloadEntryParser {

    private WorkloadEntryParser() {}

    static WorkloadEntry parse(ResourceMeta meta, String yaml, YamlNode spec) {
        spec.onlyFields(Set.of("address", "ports", "labels", "network", "locality", "weight", "serviceAccount"));
        String address = spec.str("address").orElse("");
        if (address.isEmpty()) {
            spec.problems().add("spec.address", "address must be set");
        }
        Map<String, Integer> ports = new LinkedHashMap<>();
        YamlNode portNode = spec.obj("ports");
        spec.entries("ports").forEach((name, value) -> {
            long port = portNode.integer(name).orElse(0L);
            if (port < 1 || port > 65535) {
                spec.problems().add("spec.ports." + name, "port number " + port + " must be in the range 1..65535");
            } else {
                ports.put(name, (int) port);
            }
        });
        long weight = spec.integer("weight").orElse(0L);
        return new WorkloadEntry(
                meta,
                yaml,
                address,
                ports,
                spec.stringMap("labels"),
                spec.str("network").orElse(""),
                (int) weight,
                spec.str("serviceAccount").orElse(""));
    }
}
