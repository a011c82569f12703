package dev.meshbox.proxy;

/** A sidecar next to an app, or an ingress gateway; it changes the {@code server} header and the node id. */
public enum ProxyRole {
    SIDECAR("envoy"),
    GATEWAY("istio-envoy");

    private final String serverHeader;

    ProxyRole(String serverHeader) {
        this.serverHeader = serverHeader;
    }

    public String serverHeader() {
        return serverHeader;
    }
}
