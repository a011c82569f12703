package dev.meshbox.controlplane.translate;

import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.config.DestinationRule;
import dev.meshbox.controlplane.config.Gateway;
import dev.meshbox.controlplane.config.VirtualService;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.ServiceRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The translator's whole input: applied config plus the registry, with the lookups translation needs. Delegation is
 * resolved once here ({@link DelegateMerger}): every lookup of VirtualServices sees roots merged with their delegates
 * and never a delegate itself.
 */
public record MeshView(
        ConfigStore.Snapshot config, ServiceRegistry.Snapshot registry, DelegateMerger.Merged virtualServices) {

    public MeshView(ConfigStore.Snapshot config, ServiceRegistry.Snapshot registry) {
        this(config, registry, DelegateMerger.merge(config.all(VirtualService.class)));
    }

    /** The DestinationRule for a service (the oldest-named one wins when several exist, deterministically). */
    public Optional<DestinationRule> destinationRule(MeshService service) {
        return config.all(DestinationRule.class).stream()
                .filter(dr -> registry.resolve(dr.host(), dr.meta().namespace())
                        .filter(service::equals)
                        .isPresent())
                .min(Comparator.comparing(dr -> dr.meta().key()));
    }

    /** VirtualServices bound to the mesh (sidecars) whose hosts include the service. */
    public List<VirtualService> meshVirtualServices(MeshService service) {
        List<VirtualService> out = new ArrayList<>();
        for (VirtualService vs : virtualServices.virtualServices()) {
            if (!vs.effectiveGateways().contains(VirtualService.MESH)) {
                continue;
            }
            for (String host : vs.hosts()) {
                if (registry.resolve(host, vs.meta().namespace())
                        .filter(service::equals)
                        .isPresent()) {
                    out.add(vs);
                    break;
                }
            }
        }
        out.sort(Comparator.comparing(vs -> vs.meta().key()));
        return out;
    }

    public List<Gateway> gateways() {
        return config.all(Gateway.class);
    }

    /** VirtualServices bound to a Gateway ({@code name} or {@code namespace/name} in {@code spec.gateways}). */
    public List<VirtualService> gatewayVirtualServices(Gateway gateway) {
        List<VirtualService> out = new ArrayList<>();
        for (VirtualService vs : virtualServices.virtualServices()) {
            for (String ref : vs.gateways()) {
                if (refersTo(ref, vs.meta().namespace(), gateway)) {
                    out.add(vs);
                    break;
                }
            }
        }
        out.sort(Comparator.comparing(vs -> vs.meta().key()));
        return out;
    }

    static boolean refersTo(String ref, String namespace, Gateway gateway) {
        String ns = namespace;
        String name = ref;
        int slash = ref.indexOf('/');
        if (slash >= 0) {
            ns = ref.substring(0, slash);
            name = ref.substring(slash + 1);
        } else if (ref.contains(".")) {
            String[] parts = ref.split("\\.");
            name = parts[0];
            ns = parts[1];
        }
        return gateway.meta().name().equals(name) && gateway.meta().namespace().equals(ns);
    }
}
