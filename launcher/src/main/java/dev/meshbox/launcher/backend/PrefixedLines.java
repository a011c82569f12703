package dev.meshbox.launcher.backend;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** A stream whose every line goes to {@code out} whole, after a prefix: each cluster's progress under its name. */
public final class PrefixedLines extends OutputStream {
    private final PrintStream out;
    private final String prefix;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    private PrefixedLines(PrintStream out, String prefix) {
        this.out = out;
        this.prefix = prefix;
    }

    public static PrintStream of(PrintStream out, String prefix) {
        return new PrintStream(new PrefixedLines(out, prefix), true, StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            // One println per line: lines of clusters starting side by side never interleave mid-line.
            out.println(prefix + text);
        } else {
            line.write(b);
        }
    }

    @Override
    public synchronized void flush() {
        out.flush();
    }
}
