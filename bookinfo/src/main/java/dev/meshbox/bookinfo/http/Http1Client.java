package dev.meshbox.bookinfo.http;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * The project's one small blocking HTTP/1.1 client, for its own calls: Bookinfo's apps calling through their sidecar,
 * the scenario traffic driver, tests. It connects to one address and writes whatever Host the request names, which is
 * how a call addressed to {@code reviews:9080} reaches a sidecar's outbound listener (Java's HttpClient cannot set Host,
 * and would keep its own pool of connections).
 *
 * <p>Two ways to use connections, chosen when the client is made:
 *
 * <ul>
 *   <li>{@link #perCall}: a new connection for every call, sent with {@code Connection: close}, as Istio's productpage
 *       does; every retry of the app is a new connection that the sidecar routes afresh. Safe to share between threads.
 *   <li>{@link #keepAlive}: one connection reused call after call, as a load generator's worker does. A call that finds
 *       the kept connection closed by the server before any byte of an answer came back is sent once more on a new
 *       connection (a server may close an idle connection just as the next request leaves). One call at a time.
 * </ul>
 *
 * <p>The timeout of a call covers connecting, sending and reading the whole response. Bodies may come with a
 * Content-Length, chunked, or until the server closes; interim 1xx responses are skipped.
 */
public final class Http1Client implements AutoCloseable {

    private final InetSocketAddress address;
    private final boolean keepAlive;
    private Connection kept;

    private Http1Client(InetSocketAddress address, boolean keepAlive) {
        this.address = Objects.requireNonNull(address, "address");
        this.keepAlive = keepAlive;
    }

    /** A client that opens a new connection to {@code address} for every call and closes it after the answer. */
    public static Http1Client perCall(InetSocketAddress address) {
        return new Http1Client(address, false);
    }

    /** A client that keeps one connection to {@code address} open between calls; close it when done. */
    public static Http1Client keepAlive(InetSocketAddress address) {
        return new Http1Client(address, true);
    }

    /** Where this client connects (a sidecar's outbound listener, a gateway, an app). */
    public InetSocketAddress address() {
        return address;
    }

    /**
     * Sends one request and reads its whole response.
     *
     * @param timeout the whole exchange: connecting, sending and the complete response
     * @throws SocketTimeoutException when the timeout elapses first, naming the request and the timeout
     * @throws IOException            when the connection fails or the response is not HTTP/1.x; the message names the
     *                                request and the address
     */
    public Http1Response send(Http1Request request, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (!keepAlive) {
                try (Connection c = Connection.open(address, deadline)) {
                    return c.exchange(request, true, deadline).response();
                }
            }
            synchronized (this) {
                return sendKept(request, deadline);
            }
        } catch (SocketTimeoutException e) {
            throw withContext(
                    new SocketTimeoutException(
                            describe(request) + ": no complete response within " + timeout.toMillis() + " ms"),
                    e);
        } catch (ConnectException e) {
            throw withContext(new ConnectException(describe(request) + ": " + message(e)), e);
        } catch (IOException e) {
            throw withContext(new IOException(describe(request) + ": " + message(e)), e);
        }
    }

    private Http1Response sendKept(Http1Request request, long deadline) throws IOException {
        boolean reused = kept != null;
        if (!reused) {
            kept = Connection.open(address, deadline);
        }
        try {
            return exchangeKept(request, deadline);
        } catch (IOException e) {
            boolean stale = reused && kept != null && kept.nothingReceived() && !(e instanceof SocketTimeoutException);
            closeKept();
            if (!stale) {
                throw e;
            }
        }
        kept = Connection.open(address, deadline);
        try {
            return exchangeKept(request, deadline);
        } catch (IOException e) {
            closeKept();
            throw e;
        }
    }

    private Http1Response exchangeKept(Http1Request request, long deadline) throws IOException {
        ResponseReader.Read read = kept.exchange(request, false, deadline);
        if (!read.keepAlive()) {
            closeKept();
        }
        return read.response();
    }

    /** Closes the kept connection, if any; a later call opens a new one. */
    @Override
    public synchronized void close() {
        closeKept();
    }

    private void closeKept() {
        if (kept != null) {
            kept.close();
            kept = null;
        }
    }

    private String describe(Http1Request request) {
        String host = address.getAddress() == null
                ? address.getHostString()
                : address.getAddress().getHostAddress();
        return request.describe() + " via " + host + ":" + address.getPort();
    }

    private static String message(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static <T extends IOException> T withContext(T e, IOException cause) {
        e.initCause(cause);
        return e;
    }

    /** One TCP connection: writes a request and reads its response against the call's deadline. */
    private static final class Connection implements AutoCloseable {
        private final Socket socket;
        private final DeadlineInputStream received;
        private final InputStream in;
        private final OutputStream out;

        private Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.received = new DeadlineInputStream(socket);
            this.in = new BufferedInputStream(received, 16 * 1024);
            this.out = socket.getOutputStream();
        }

        static Connection open(InetSocketAddress address, long deadline) throws IOException {
            Socket socket = new Socket();
            try {
                socket.setTcpNoDelay(true);
                long connectMillis = DeadlineInputStream.remainingMillis(deadline);
                if (connectMillis <= 0) {
                    throw new SocketTimeoutException("deadline exceeded before connecting");
                }
                socket.connect(address, (int) Math.min(Integer.MAX_VALUE, connectMillis));
                return new Connection(socket);
            } catch (IOException | RuntimeException e) {
                socket.close();
                throw e;
            }
        }

        ResponseReader.Read exchange(Http1Request request, boolean closeAfter, long deadline) throws IOException {
            received.startExchange(deadline);
            out.write(head(request, closeAfter));
            out.write(request.body());
            out.flush();
            return new ResponseReader(in).read(request.method().equals("HEAD"));
        }

        /** Whether the last exchange got no byte back: the server had closed the connection before it. */
        boolean nothingReceived() {
            return received.received() == 0;
        }

        private static byte[] head(Http1Request request, boolean closeAfter) {
            StringBuilder head = new StringBuilder(256)
                    .append(request.method())
                    .append(' ')
                    .append(request.target())
                    .append(" HTTP/1.1\r\n");
            if (request.authority() != null) {
                head.append("Host: ").append(request.authority()).append("\r\n");
            }
            for (Http1Request.Header h : request.headers()) {
                head.append(h.name()).append(": ").append(h.value()).append("\r\n");
            }
            int length = request.body().length;
            if (length > 0 || expectsBody(request.method())) {
                head.append("Content-Length: ").append(length).append("\r\n");
            }
            if (closeAfter) {
                head.append("Connection: close\r\n");
            }
            return head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        }

        private static boolean expectsBody(String method) {
            return method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
