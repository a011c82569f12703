package dev.meshbox.launcher.lifecycle;

import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * What a mesh must undo, in the reverse order it was done: each step is pushed the moment its resource exists (a
 * container created, an object written to the API, a port forwarded), so a failed start and a stop undo exactly what
 * is there. Closing runs every step even when one fails, then reports the failures together.
 *
 * <p>A stack made with {@link #withShutdownHook} is also run by one JVM shutdown hook, so Ctrl-C while a mesh starts or
 * runs still removes it; {@link #close()} removes the hook again. Steps pushed after the stack ran (a start still
 * creating things while Ctrl-C cleans up) run at once, and the push fails, so the start stops.
 */
public final class CleanupStack implements AutoCloseable {

    /** Where a shutdown hook goes: the JVM's, or a test's. */
    interface Hooks {
        void add(Thread hook);

        void remove(Thread hook);

        Hooks RUNTIME = new Hooks() {
            @Override
            public void add(Thread hook) {
                Runtime.getRuntime().addShutdownHook(hook);
            }

            @Override
            public void remove(Thread hook) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs (or ran) the stack itself
                }
            }
        };
    }

    /** One or more steps failed; each failure is a suppressed exception, and the message names every step. */
    public static final class CleanupFailed extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        CleanupFailed(String message) {
            super(message);
        }
    }

    private record Step(String what, AutoCloseable action) {}

    private final String name;
    private final Deque<Step> steps = new ArrayDeque<>();
    private final Thread hook;
    private final Hooks hooks;
    private boolean ran;

    private CleanupStack(String name, Hooks hooks, PrintStream hookErrors) {
        this.name = name;
        this.hooks = hooks;
        this.hook = hooks == null ? null : new Thread(() -> runFromHook(hookErrors), name);
        if (hook != null) {
            hooks.add(hook);
        }
    }

    /** A stack closed only by {@link #close()}. */
    public CleanupStack(String name) {
        this(name, null, null);
    }

    /** A stack also run on JVM shutdown, by a hook thread of this name; the hook prints failures to stderr. */
    public static CleanupStack withShutdownHook(String name) {
        return new CleanupStack(name, Hooks.RUNTIME, System.err);
    }

    static CleanupStack withShutdownHook(String name, Hooks hooks, PrintStream hookErrors) {
        return new CleanupStack(name, hooks, hookErrors);
    }

    /**
     * Pushes a step; it runs before every step pushed earlier.
     *
     * @param what names the step in failure reports, e.g. {@code "container meshbox-1a2b-istiod"}
     * @throws CleanupFailed when the stack has run already: then the step has run now, and the caller should stop
     */
    public void push(String what, AutoCloseable action) {
        synchronized (this) {
            if (!ran) {
                steps.push(new Step(what, action));
                return;
            }
        }
        CleanupFailed failed = new CleanupFailed(name + " was cleaned up already, so " + what + " was undone at once");
        try {
            action.close();
        } catch (Exception e) {
            keepInterrupt(e);
            failed.addSuppressed(e);
        }
        throw failed;
    }

    /** Runs every step, last pushed first, and removes the shutdown hook; a second close does nothing. */
    @Override
    public void close() {
        if (hook != null && Thread.currentThread() != hook) {
            hooks.remove(hook);
        }
        List<String> failures = new ArrayList<>();
        List<Throwable> causes = new ArrayList<>();
        int total = runAll(failures, causes);
        if (!failures.isEmpty()) {
            CleanupFailed failed = new CleanupFailed(name + ": " + failures.size() + " of " + total
                    + " clean-up steps failed: " + String.join("; ", failures));
            causes.forEach(failed::addSuppressed);
            throw failed;
        }
    }

    private void runFromHook(PrintStream errors) {
        try {
            close();
        } catch (CleanupFailed e) {
            errors.println("meshbox: " + e.getMessage());
        }
    }

    private synchronized int runAll(List<String> failures, List<Throwable> causes) {
        ran = true;
        int total = steps.size();
        while (!steps.isEmpty()) {
            Step step = steps.pop();
            try {
                step.action().close();
            } catch (Exception e) {
                keepInterrupt(e);
                failures.add(step.what() + ": " + message(e));
                causes.add(e);
            }
        }
        return total;
    }

    /** A step interrupted while it waited: the other steps still run, and the caller still sees the interrupt. */
    private static void keepInterrupt(Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
    }

    private static String message(Throwable e) {
        return e.getMessage() == null
                ? e.getClass().getSimpleName()
                : e.getMessage().strip();
    }
}
