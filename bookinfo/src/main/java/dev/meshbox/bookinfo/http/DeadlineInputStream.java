package dev.meshbox.bookinfo.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * Reads a socket against one overall deadline. A plain soTimeout bounds each read only, so a server that
 * drips a byte every second would never time out; re-arming it with the time left before every read
 * turns it into a total timeout, which is what Bookinfo's clients promise (e.g. 3 s per reviews attempt).
 */
final class DeadlineInputStream extends InputStream {
    private final Socket socket;
    private final InputStream in;
    private final long deadlineNanos;
    private final String what;

    DeadlineInputStream(Socket socket, long deadlineNanos, String what) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.deadlineNanos = deadlineNanos;
        this.what = what;
    }

    @Override
    public int read() throws IOException {
        arm();
        return in.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        arm();
        return in.read(b, off, len);
    }

    private void arm() throws IOException {
        long remainingMillis = remainingMillis(deadlineNanos);
        if (remainingMillis <= 0) {
            throw new SocketTimeoutException(what + ": deadline exceeded");
        }
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, remainingMillis));
    }

    /** Rounded up, so a few microseconds left do not become soTimeout 0 (which means "forever"). */
    static long remainingMillis(long deadlineNanos) {
        long nanos = deadlineNanos - System.nanoTime();
        return nanos <= 0 ? 0 : (nanos + 999_999) / 1_000_000;
    }
}
