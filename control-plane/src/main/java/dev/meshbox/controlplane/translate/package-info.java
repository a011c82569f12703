/**
 * Translation: Istio config and the registry to each proxy's Envoy resources, as istiod's {@code networking/core}
 * does it. Pure functions of their input; a problem in user config becomes a warning, never an exception.
 *
 * <p>{@link dev.meshbox.controlplane.translate.Translator} takes a {@link dev.meshbox.controlplane.translate.MeshView}
 * (one store snapshot and one registry snapshot) and gives each proxy its {@link
 * dev.meshbox.controlplane.translate.XdsResources}: listeners from {@link
 * dev.meshbox.controlplane.translate.ListenerTranslator} (Istio's layout: virtualOutbound, a virtual listener per
 * service port, virtualInbound; gateway ports), routes from {@link dev.meshbox.controlplane.translate.RouteTranslator}
 * (one VirtualService HTTP rule to Envoy routes), clusters and endpoints from {@link
 * dev.meshbox.controlplane.translate.ClusterTranslator}, all named by {@link dev.meshbox.controlplane.translate.Names}
 * as Istio names them. Proxies whose resources depend on the same things are translated once and share the result,
 * down to the lists. {@link dev.meshbox.controlplane.translate.RouteDescriber} reads routes back as a sentence for
 * failure messages.
 *
 * <p>Depends on {@code config} and {@code registry}; knows nothing of serving ({@code xds}).
 */
package dev.meshbox.controlplane.translate;
