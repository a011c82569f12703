package dev.meshbox.launcher.docker;

import java.util.concurrent.CountDownLatch;

/**
 * What a Docker pod without a sidecar and without an app runs (Istio's {@code sleep} in the {@code legacy} namespace):
 * nothing, until the container is stopped, as a Kubernetes pod's pause container holds the pod's network namespace.
 * A JVM rather than a shell's {@code sleep}, since the image need not have a shell.
 */
public final class Pause {

    private Pause() {}

    public static void main(String[] args) throws InterruptedException {
        // SIGTERM (docker stop) ends the JVM; nothing else ever counts this down.
        new CountDownLatch(1).await();
    }
}
