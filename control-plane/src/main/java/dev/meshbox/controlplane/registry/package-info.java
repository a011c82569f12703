/**
 * The mesh's services and pods, as the translator reads them.
 *
 * <p>{@link dev.meshbox.controlplane.registry.ServiceRegistry} keeps {@link
 * dev.meshbox.controlplane.registry.MeshService}s and {@link dev.meshbox.controlplane.registry.Pod}s and publishes
 * every change as an immutable snapshot, so a rebuild reads one consistent view. Platform adapters ({@link
 * dev.meshbox.controlplane.registry.PlatformRegistry}), one subpackage per platform, keep it in step with a platform;
 * the launcher's local backend writes to it directly. This package depends on nothing else of the control plane.
 */
package dev.meshbox.controlplane.registry;
