package dev.meshbox.controlplane.gatewayapi;

import dev.meshbox.controlplane.config.Gateway;
import dev.meshbox.controlplane.config.ResourceKey;
import dev.meshbox.controlplane.config.VirtualService;
import java.util.List;
import java.util.Map;

/**
 * What the Gateway API resources become: internal Gateways and VirtualServices, and each resource's status.
 *
 * @param origins for each internal resource, the Gateway API resource it comes from (the oldest HTTPRoute of a merged
 *     VirtualService): it takes that one's creation time, as Istio's converted config does
 */
public record Conversion(
        List<Gateway> gateways,
        List<VirtualService> virtualServices,
        Map<ResourceKey, ResourceStatus> statuses,
        Map<ResourceKey, ResourceKey> origins) {

    public static final Conversion EMPTY = new Conversion(List.of(), List.of(), Map.of(), Map.of());

    public Conversion(
            List<Gateway> gateways, List<VirtualService> virtualServices, Map<ResourceKey, ResourceStatus> statuses) {
        this(gateways, virtualServices, statuses, Map.of());
    }
}
