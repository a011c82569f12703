package dev.meshbox.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time and memory of processes, read from Linux's /proc: {@code utime + stime} of {@code /proc/PID/stat}
 * (all threads, in clock ticks of 1/100 s) and {@code VmRSS} / {@code VmHWM} of {@code /proc/PID/status}.
 * A process group (nginx's master and workers) is the sum of its pids.
 */
record ProcStats(List<Long> pids) {

    private static final double TICKS_PER_SECOND = 100.0;

    /** CPU seconds used so far by all the pids (user plus system). */
    double cpuSeconds() {
        double total = 0;
        for (long pid : pids) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                // The command name is in parentheses and may hold spaces: count fields after the last ')'.
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                total += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
            } catch (IOException e) {
                throw new IllegalStateException("cannot read /proc/" + pid + "/stat: is the process still running?", e);
            }
        }
        return total;
    }

    /** Resident memory now, in KiB, summed over the pids. */
    long rssKb() {
        return statusField("VmRSS:");
    }

    /** Peak resident memory, in KiB, summed over the pids. */
    long peakRssKb() {
        return statusField("VmHWM:");
    }

    private long statusField(String field) {
        long total = 0;
        for (long pid : pids) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                    if (line.startsWith(field)) {
                        total += Long.parseLong(
                                line.substring(field.length()).trim().split("\\s+")[0]);
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read /proc/" + pid + "/status", e);
            }
        }
        return total;
    }
}
