package dev.meshbox.controlplane.config;

/** Identity of an applied Istio resource and where it came from. */
public record ResourceMeta(String kind, String apiVersion, String name, String namespace, String source) {

    /** {@code VirtualService default/reviews}, as used in messages. */
    public String display() {
        return kind + " " + namespace + "/" + name;
    }

    public ResourceKey key() {
        return new ResourceKey(kind, namespace, name);
    }
}
