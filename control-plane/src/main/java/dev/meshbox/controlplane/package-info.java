/**
 * MeshBox's control plane: Istio YAML and a service registry in, one versioned xDS snapshot per proxy out, over gRPC
 * ADS.
 *
 * <p>Data flows one way, each arrow a pure function but the two ends: {@code config} parses and validates Istio
 * resources into an immutable store snapshot; {@code registry} holds services and pods, fed by a platform adapter
 * ({@code registry.docker}, {@code registry.kubernetes}, or the launcher's local backend); {@code translate} turns
 * both snapshots into each proxy's Envoy resources; {@code xds} versions them, serves them and records what every
 * proxy ACKed. {@code kubernetes} is the rest of the Kubernetes platform: Istio's custom resources as a config source
 * and writer, sidecar injection and the admission webhooks.
 *
 * <p>{@link dev.meshbox.controlplane.ControlPlane} is the only class that knows both translation and serving: a
 * change to the store or the registry makes it translate the mesh and publish every proxy's snapshot. {@code
 * translate} and {@code xds} do not import each other; the tests in {@code ArchitectureTest} keep it so.
 */
package dev.meshbox.controlplane;
