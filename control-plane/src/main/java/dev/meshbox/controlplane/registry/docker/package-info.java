/**
 * The Docker platform adapter ({@link dev.meshbox.controlplane.registry.PlatformRegistry}): {@link
 * dev.meshbox.controlplane.registry.docker.DockerRegistry} polls a Docker engine through {@link
 * dev.meshbox.controlplane.registry.docker.DockerApi} (read-only Engine API calls) and maps the mesh's containers to
 * pods and services in the {@link dev.meshbox.controlplane.registry.ServiceRegistry}: a pod is the container owning a
 * network namespace, its network aliases are the services it backs.
 */
package dev.meshbox.controlplane.registry.docker;
