package dev.meshbox.controlplane.config;

/** The identity under which the store keeps a resource: kind, namespace and name, as Kubernetes does. */
public record ResourceKey(String kind, String namespace, String name) implements Comparable<ResourceKey> {

    @Override
    public int compareTo(ResourceKey o) {
        int c = kind.compareTo(o.kind);
        if (c == 0) {
            c = namespace.compareTo(o.namespace);
        }
        return c != 0 ? c : name.compareTo(o.name);
    }

    @Override
    public String toString() {
        return kind + " " + namespace + "/" + name;
    }
}
