package dev.meshbox.scenarios;

/**
 * A POST to a proxy's admin port ({@code 15000}) before a step's traffic, as Istio's tasks {@code kubectl exec ... -c
 * istio-proxy -- curl -X POST localhost:15000/drain_listeners}: {@code workload} is a Deployment ({@code
 * helloworld-region1.zone1}), an app or a pod, optionally {@code .NAMESPACE}.
 */
public record ProxyAdmin(String workload, String path) {}
