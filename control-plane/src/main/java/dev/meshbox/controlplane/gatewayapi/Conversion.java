package dev.meshbox.controlplane.gatewayapi;

import dev.meshbox.controlplane.config.Gateway;
import dev.meshbox.controlplane.config.ResourceKey;
import dev.meshbox.controlplane.config.VirtualService;
import java.util.List;
import java.util.Map;

/** What the Gateway API resources become: internal Gateways and VirtualServices, and each resource's status. */
public record Conversion(
        List<Gateway> gateways, List<VirtualService> virtualServices, Map<ResourceKey, ResourceStatus> statuses) {

    public static final Conversion EMPTY = new Conversion(List.of(), List.of(), Map.of());
}
