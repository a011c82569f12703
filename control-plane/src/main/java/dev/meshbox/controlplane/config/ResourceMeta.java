package dev.meshbox.controlplane.config;

/** Identity of an applied Istio resource and where it came from. */
public record ResourceMeta(String kind, String apiVersion, String name, String namespace, String source) {

    /** {@code VirtualService default/reviews}, as used in messages. */
    public String display() {
        return GatewayApi.keyKind(kind, apiVersion) + " " + namespace + "/" + name;
    }

    public ResourceKey key() {
        return new ResourceKey(GatewayApi.keyKind(kind, apiVersion), namespace, name);
    }

    /**
     * Whether Istio would give this resource Gateway API route semantics: true for the VirtualServices converted from
     * HTTPRoutes (their apiVersion stays the route's), which Istio marks {@code internal.istio.io/route-semantics:
     * gateway} (path-separated prefixes, 500 for a backend that does not exist).
     */
    public boolean gatewaySemantics() {
        return GatewayApi.isGatewayApi(apiVersion);
    }
}
