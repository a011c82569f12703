/**
 * The launcher: the {@code meshbox} CLI ({@link dev.meshbox.launcher.Main}), the JUnit extension, and the backends
 * that run a mesh. Its packages, each depending only on those below it (ArchitectureTest checks there is no cycle):
 *
 * <ol>
 *   <li>{@code cli} (the commands), {@code junit} (the extension), {@code ui} (the web UI's view of a local mesh);
 *   <li>{@code start}: {@code Backends}, the one class that knows every backend and starts the one a user names;
 *   <li>{@code docker} and {@code kube}: the Docker and Kubernetes backends, side by side, neither importing the
 *       other;
 *   <li>{@code admin}: the admin API, its server beside a control plane and its client ({@code ControlPlaneClient},
 *       {@code RemoteMesh}) for the backends whose control plane runs elsewhere;
 *   <li>{@code backend}: the contract every backend implements ({@code StartedMesh}, {@code MeshSpec},
 *       {@code PodSpec}), and the local backend, which runs the whole mesh in this JVM; {@code image}: MeshBox's
 *       container image, built locally;
 *   <li>{@code lifecycle} ({@code Wait}, {@code CleanupStack}) and {@code engine} (the Docker engine): what the others
 *       share, importing nothing of the launcher.
 * </ol>
 */
package dev.meshbox.launcher;
