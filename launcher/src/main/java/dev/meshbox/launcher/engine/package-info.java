/**
 * The Docker engine as every part of the launcher that uses one sees it (the docker backend, the image builds, k3s in
 * a container). {@link dev.meshbox.launcher.engine.DockerEngine} finds the engine;
 * {@link dev.meshbox.launcher.engine.Labels} marks every image, container and network MeshBox creates, and
 * {@link dev.meshbox.launcher.engine.DockerJanitor} uses the marks to clear what a killed run left.
 */
package dev.meshbox.launcher.engine;
