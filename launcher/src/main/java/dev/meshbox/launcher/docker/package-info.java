/**
 * The docker backend's engine side. {@link dev.meshbox.launcher.docker.DockerEngine} finds the engine;
 * {@link dev.meshbox.launcher.docker.BaseImage} and {@link dev.meshbox.launcher.docker.AppImage} build the two
 * images locally (no registry: a jlink runtime FROM scratch, then meshbox.jar on top), each cached under a hash
 * of its inputs; {@link dev.meshbox.launcher.docker.Labels} marks every image, container and network, and
 * {@link dev.meshbox.launcher.docker.DockerJanitor} uses the marks to clear what a killed run left.
 * {@link dev.meshbox.launcher.docker.RequiresDocker} gates tests: skip without an engine, fail in CI.
 */
package dev.meshbox.launcher.docker;
