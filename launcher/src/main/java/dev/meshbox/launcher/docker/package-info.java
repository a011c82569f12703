/**
 * The docker backend: {@link dev.meshbox.launcher.docker.DockerMesh} runs a mesh as containers on a network of its
 * own, the control plane reading the engine for its registry (a pod without a sidecar is its app's container alone,
 * or a {@link dev.meshbox.launcher.docker.Pause} container for a client); {@link dev.meshbox.launcher.docker.TrafficCapture}
 * installs a pod's iptables capture as Istio's init container does, and
 * {@link dev.meshbox.launcher.docker.DeathWatch} notices containers that stop;
 * {@link dev.meshbox.launcher.docker.DockerGatewayDeployments} starts a gateway container for each Gateway API Gateway
 * of class {@code istio}, as Istio's automated deployment does. It finds the engine through
 * {@code engine} and runs the image {@code image} builds. {@link dev.meshbox.launcher.docker.RequiresDocker} gates
 * tests: skip without an engine, fail in CI.
 */
package dev.meshbox.launcher.docker;
