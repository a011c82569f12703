package dev.meshbox.controlplane.gatewayapi;

import dev.meshbox.controlplane.config.ResourceKey;
import java.util.List;

/**
 * The status Istio would write on a Gateway API resource: a Gateway's own conditions (Accepted, Programmed), or a
 * route's conditions per parent (Accepted, ResolvedRefs).
 */
public record ResourceStatus(ResourceKey key, List<Condition> conditions, List<ParentStatus> parents) {

    /** The conditions of one parentRef of a route ({@code Gateway default/bookinfo-gateway}, {@code Service reviews}). */
    public record ParentStatus(String parentRef, List<Condition> conditions) {}
}
