package dev.meshbox.launcher.lifecycle;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;

/**
 * A start's phases on standard error, for finding what a start waits on: each line the wall time since the JVM started
 * and the CPU time the whole process has used so far (every thread), so a phase that waits shows up apart from one that
 * computes. Off unless {@code MESHBOX_STARTUP_TRACE=1} (or {@code -Dmeshbox.startupTrace=true}); off, a mark costs one
 * field read.
 */
public final class StartupTrace {

    private static final boolean ON =
            "1".equals(System.getenv("MESHBOX_STARTUP_TRACE")) || Boolean.getBoolean("meshbox.startupTrace");

    private StartupTrace() {}

    /** Whether phases are printed. */
    public static boolean on() {
        return ON;
    }

    /** Prints {@code phase} with the elapsed wall and CPU time, when tracing is on. */
    public static void mark(String phase) {
        if (!ON) {
            return;
        }
        long wall = ManagementFactory.getRuntimeMXBean().getUptime();
        long cpu = ProcessHandle.current()
                .info()
                .totalCpuDuration()
                .map(java.time.Duration::toMillis)
                .orElse(-1L);
        PrintStream err = System.err;
        err.printf(
                "startup-trace %6d ms  cpu %6d ms  [%s] %s%n",
                wall, cpu, Thread.currentThread().getName(), phase);
    }
}
