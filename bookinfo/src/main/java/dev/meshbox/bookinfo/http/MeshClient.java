package dev.meshbox.bookinfo.http;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * A small blocking HTTP/1.1 client that sends every call to the app's sidecar (its outbound listener)
 * with an origin-form request line and the service in the Host header; the sidecar routes by Host.
 *
 * <p>Java's HttpClient cannot set Host, hence this. Each call opens a new connection and sends
 * {@code Connection: close}, as Istio's productpage does, so a retry by the app is a new connection the
 * sidecar routes afresh. The timeout covers connect, send and the whole response.
 */
public final class MeshClient {
    private final InetSocketAddress outboundProxy;

    public MeshClient(InetSocketAddress outboundProxy) {
        this.outboundProxy = Objects.requireNonNull(outboundProxy, "outboundProxy");
    }

    /**
     * {@code GET http://<upstream><path>} through the sidecar.
     *
     * @param path    origin-form path starting with '/', already percent-encoded
     * @param timeout total time allowed for this attempt
     * @throws IOException on connection failure, a malformed response, or when the timeout elapses
     */
    public MeshResponse get(Upstream upstream, String path, ForwardedHeaders headers, Duration timeout)
            throws IOException {
        if (!path.startsWith("/") || !path.chars().allMatch(c -> c > ' ' && c < 127)) {
            throw new IllegalArgumentException("path: must be an encoded origin-form path, got '" + path + "'");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        String what = "GET http://" + upstream.authority() + path + " via " + outboundProxy;
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            long connectMillis = DeadlineInputStream.remainingMillis(deadline);
            if (connectMillis <= 0) {
                throw new SocketTimeoutException(what + ": deadline exceeded");
            }
            socket.connect(outboundProxy, (int) Math.min(Integer.MAX_VALUE, connectMillis));
            OutputStream out = socket.getOutputStream();
            out.write(requestHead(upstream, path, headers).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            var in = new BufferedInputStream(new DeadlineInputStream(socket, deadline, what));
            return new ResponseReader(in).read(false);
        } catch (SocketTimeoutException e) {
            SocketTimeoutException timedOut =
                    new SocketTimeoutException(what + ": no complete response within " + timeout.toMillis() + " ms");
            timedOut.initCause(e);
            throw timedOut;
        }
    }

    private static String requestHead(Upstream upstream, String path, ForwardedHeaders headers) {
        StringBuilder head = new StringBuilder(256)
                .append("GET ")
                .append(path)
                .append(" HTTP/1.1\r\n")
                .append("Host: ")
                .append(upstream.authority())
                .append("\r\n")
                .append("Accept: application/json\r\n");
        headers.values()
                .forEach((name, value) ->
                        head.append(name).append(": ").append(value).append("\r\n"));
        return head.append("Connection: close\r\n\r\n").toString();
    }
}
