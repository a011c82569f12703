/**
 * The Kubernetes platform, as istiod meets it.
 *
 * <p>Config: {@link dev.meshbox.controlplane.kubernetes.IstioCrds} installs Istio's networking kinds as
 * CustomResourceDefinitions; {@link dev.meshbox.controlplane.kubernetes.IstioConfigWatcher} mirrors those custom
 * resources into the {@link dev.meshbox.controlplane.config.ConfigStore}; {@link
 * dev.meshbox.controlplane.kubernetes.IstioConfigWriter} is the {@link dev.meshbox.controlplane.config.ConfigWriter}
 * that applies YAML as custom resources and returns once the watcher has taken them in. Workloads: {@link
 * dev.meshbox.controlplane.kubernetes.SidecarInjector} adds the sidecar to pod templates, and {@link
 * dev.meshbox.controlplane.kubernetes.AdmissionWebhook} serves it and config validation as the API server's admission
 * webhooks. The registry adapter for Services and Pods is {@code registry.kubernetes.KubernetesRegistry}, beside
 * the Docker one.
 */
package dev.meshbox.controlplane.kubernetes;
