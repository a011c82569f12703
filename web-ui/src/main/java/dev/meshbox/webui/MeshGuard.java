package dev.meshbox.webui;

import java.util.concurrent.Semaphore;

/**
 * One change of the mesh's config at a time: a scenario run resets and applies config for seconds, and an apply from
 * the editor in the middle of it would change what the run measures. A second change is refused with 409, saying
 * what is under way, rather than queued behind it.
 */
final class MeshGuard {

    private final Semaphore permit = new Semaphore(1);
    private volatile String holder = "";

    /** Takes the mesh for {@code what}, or throws 409 naming what holds it. Release with {@link #release()}. */
    void acquire(String what) {
        if (!permit.tryAcquire()) {
            throw new ApiException(
                    409, "the mesh is busy: " + holder + " is under way; try again when it has finished");
        }
        holder = what;
    }

    void release() {
        holder = "";
        permit.release();
    }

    /** Runs {@code action} holding the mesh. */
    <T> T with(String what, java.util.function.Supplier<T> action) {
        acquire(what);
        try {
            return action.get();
        } finally {
            release();
        }
    }

    String holder() {
        return holder;
    }
}
