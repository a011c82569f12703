package dev.meshbox.bookinfo;

import dev.meshbox.bookinfo.http.AppIdentity;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Where an app listens and how it reaches the rest of the mesh.
 *
 * @param service       the Kubernetes service the app belongs to ({@code productpage}, {@code details},
 *                      {@code reviews}, {@code ratings})
 * @param version       the {@code version} label ({@code v1}, {@code v2}, {@code v3})
 * @param podName       reported by reviews as {@code podname}, so users can tell which pod answered
 * @param namespace     the pod's namespace
 * @param listen        the address the app binds (port 0 picks a free port)
 * @param outboundProxy the sidecar's outbound listener; every call to another service goes here
 */
public record AppContext(
        String service,
        String version,
        String podName,
        String namespace,
        InetSocketAddress listen,
        InetSocketAddress outboundProxy) {
    public AppContext {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(podName, "podName");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(outboundProxy, "outboundProxy");
    }

    /** The app as it names itself to callers. */
    public AppIdentity identity() {
        return new AppIdentity(service, version, podName, namespace);
    }
}
