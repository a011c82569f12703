/**
 * MeshBox's container image, built locally with no registry: {@link dev.meshbox.launcher.image.BaseImage} is a jlink
 * runtime FROM scratch (its root file system assembled by {@code RootFs}), and
 * {@link dev.meshbox.launcher.image.AppImage} adds meshbox.jar and a class-data archive; each is cached in the engine
 * under a hash of its inputs. The docker backend runs the image, and the Kubernetes backend hands it to k3s or names
 * it for a cluster.
 */
package dev.meshbox.launcher.image;
