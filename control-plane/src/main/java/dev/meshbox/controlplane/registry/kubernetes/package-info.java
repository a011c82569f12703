/**
 * The Kubernetes platform adapter: {@link dev.meshbox.controlplane.registry.kubernetes.KubernetesRegistry} follows
 * Services and Pods with informers and keeps them in the {@link dev.meshbox.controlplane.registry.ServiceRegistry}, as
 * istiod's Kubernetes registry does. The rest of the Kubernetes platform (Istio's custom resources, sidecar injection,
 * the admission webhooks) is in {@code dev.meshbox.controlplane.kubernetes}.
 */
package dev.meshbox.controlplane.registry.kubernetes;
