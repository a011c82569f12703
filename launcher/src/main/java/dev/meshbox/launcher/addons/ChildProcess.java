package dev.meshbox.launcher.addons;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An addon's server as a child process that cannot outlive the launcher: a shell waits beside it and ends it once the
 * launcher's process is gone, so even {@code kill -9} of the launcher leaves no orphan. Its output goes to a temp
 * file, whose last lines explain a failed start.
 */
final class ChildProcess implements AutoCloseable {
    private final String name;
    private final Process shell;
    private final Path log;

    private ChildProcess(String name, Process shell, Path log) {
        this.name = name;
        this.shell = shell;
        this.log = log;
    }

    /** Starts {@code command} (program and arguments), watched by a shell that ends it when this JVM is gone. */
    static ChildProcess start(String name, List<String> command) {
        return start(name, command, List.of());
    }

    /**
     * As {@link #start(String, List)}; when the launcher is gone, the shell also removes {@code leftovers} (the
     * server's temp files) and the log once the server has ended, so a killed launcher leaves none behind either.
     */
    static ChildProcess start(String name, List<String> command, List<Path> leftovers) {
        long parent = ProcessHandle.current().pid();
        Path log;
        try {
            log = Files.createTempFile("meshbox-" + name + "-", ".log");
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": cannot create its log file: " + e.getMessage(), e);
        }
        StringBuilder remove = new StringBuilder("rm -rf --");
        List<Path> all = new ArrayList<>(leftovers);
        all.add(log);
        for (Path p : all) {
            remove.append(" '")
                    .append(p.toAbsolutePath().toString().replace("'", "'\\''"))
                    .append('\'');
        }
        // The server runs in the background; the shell polls both and ends the server once the launcher has exited.
        // The launcher removes the files itself when it stops the server, and reads the log when the server fails to
        // start, so the shell removes them only once the launcher is gone.
        String script = "\"$@\" & child=$!\n"
                + "trap 'kill $child 2>/dev/null; wait $child; exit 0' TERM INT\n"
                + "while kill -0 " + parent + " 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 1 & wait $!; done\n"
                + "kill $child 2>/dev/null; wait $child\n"
                + "kill -0 " + parent + " 2>/dev/null || " + remove + "\n";
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", script, name));
        cmd.addAll(command);
        try {
            Process shell = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            return new ChildProcess(name, shell, log);
        } catch (IOException e) {
            throw new IllegalStateException(
                    name + ": cannot start " + String.join(" ", command) + ": " + e.getMessage(), e);
        }
    }

    boolean alive() {
        return shell.isAlive();
    }

    /** The log's last lines, as "; its last output: ..." or empty. */
    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return lines.isEmpty()
                    ? ""
                    : "; its last output:\n  "
                            + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 12), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "";
        }
    }

    /** Ends the server and its shell (TERM, then KILL after 5 s) and deletes the log; idempotent. */
    @Override
    public void close() {
        List<ProcessHandle> all = new ArrayList<>(shell.descendants().toList());
        all.add(shell.toHandle());
        all.forEach(ProcessHandle::destroy);
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                p.destroyForcibly();
            }
        }
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // a temp file left behind is harmless
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + shell.pid() + ")";
    }
}
