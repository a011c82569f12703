package dev.meshbox.bookinfo.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * Reads a socket against one overall deadline. A plain soTimeout bounds each read only, so a server that drips a byte
 * every second would never time out; re-arming it with the time left before every read turns it into a total timeout,
 * which is what Bookinfo's clients promise (e.g. 3 s per reviews attempt). It also counts what one exchange received,
 * so a keep-alive client can tell a connection the server had already closed (nothing came back) from a failed answer.
 */
final class DeadlineInputStream extends InputStream {
    private final Socket socket;
    private final InputStream in;
    private long deadlineNanos;
    private long received;

    DeadlineInputStream(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
    }

    /** Starts an exchange: reads fail once {@code deadlineNanos} (on {@link System#nanoTime()}) has passed. */
    void startExchange(long deadlineNanos) {
        this.deadlineNanos = deadlineNanos;
        this.received = 0;
    }

    /** Bytes received since {@link #startExchange}. */
    long received() {
        return received;
    }

    @Override
    public int read() throws IOException {
        arm();
        int c = in.read();
        if (c >= 0) {
            received++;
        }
        return c;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        arm();
        int n = in.read(b, off, len);
        if (n > 0) {
            received += n;
        }
        return n;
    }

    private void arm() throws IOException {
        long remainingMillis = remainingMillis(deadlineNanos);
        if (remainingMillis <= 0) {
            throw new SocketTimeoutException("deadline exceeded");
        }
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, remainingMillis));
    }

    /** Rounded up, so a few microseconds left do not become soTimeout 0 (which means "forever"). */
    static long remainingMillis(long deadlineNanos) {
        long nanos = deadlineNanos - System.nanoTime();
        return nanos <= 0 ? 0 : (nanos + 999_999) / 1_000_000;
    }
}
