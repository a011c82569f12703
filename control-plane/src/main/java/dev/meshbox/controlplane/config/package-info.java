/**
 * Istio's networking config as MeshBox reads it: VirtualService, DestinationRule and Gateway in, and the Kubernetes
 * Gateway API kinds Istio reads ({@link dev.meshbox.controlplane.config.GatewayApi}: Gateway, HTTPRoute,
 * ReferenceGrant), validated records or field-level problems out.
 *
 * <p>{@link dev.meshbox.controlplane.config.IstioParser} is a pure function from YAML text to a
 * {@link dev.meshbox.controlplane.config.ParseResult} (resources or problems, never an exception), reading documents
 * through {@link dev.meshbox.controlplane.config.YamlNode}, which knows each field's path for the messages. {@link
 * dev.meshbox.controlplane.config.ConfigStore} applies parsed resources all or nothing: it checks the rules that span
 * resources ({@link dev.meshbox.controlplane.config.CrossValidation}) against the store as it would be after the apply,
 * then swaps in an immutable {@link dev.meshbox.controlplane.config.ConfigStore.Snapshot} and tells its listeners.
 * {@link dev.meshbox.controlplane.config.ConfigWriter} is the seam for stores kept elsewhere (Kubernetes custom
 * resources). This package depends on nothing else of the control plane.
 */
package dev.meshbox.controlplane.config;
