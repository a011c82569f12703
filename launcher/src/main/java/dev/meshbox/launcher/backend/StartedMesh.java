package dev.meshbox.launcher.backend;

import dev.meshbox.scenarios.MeshAccess;

/**
 * A started mesh of any backend: what scenarios and tests need of it, and closing it removes everything it started. The
 * local backend implements it here; the Docker and Kubernetes backends in their own packages.
 */
public interface StartedMesh extends MeshAccess, AutoCloseable {
    @Override
    void close();
}
