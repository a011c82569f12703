package dev.meshbox.bookinfo.http;

import java.util.Objects;

/**
 * Who an app is, as it tells callers (echo's answer, the request log): its service, version label, pod and namespace.
 *
 * @param service   the Kubernetes service the app belongs to ({@code reviews})
 * @param version   the {@code version} label ({@code v2})
 * @param podName   the pod, so a reader can tell which replica answered
 * @param namespace the pod's namespace
 */
public record AppIdentity(String service, String version, String podName, String namespace) {
    public AppIdentity {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(podName, "podName");
        Objects.requireNonNull(namespace, "namespace");
    }
}
