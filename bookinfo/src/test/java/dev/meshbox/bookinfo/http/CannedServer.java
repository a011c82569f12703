package dev.meshbox.bookinfo.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A raw socket server that answers each connection with a script, for testing the client against exact bytes: what a
 * real server does (keep-alive, close, chunked) and what a broken one does (a truncated body, a byte at a time).
 */
final class CannedServer implements AutoCloseable {

    /** What to do on one connection; {@code requests} reads the next request head from it. */
    interface Script {
        void serve(Requests requests, OutputStream out) throws IOException;
    }

    /** The request heads of one connection, read as the script asks for them. */
    final class Requests {
        private final InputStream in;

        private Requests(InputStream in) {
            this.in = in;
        }

        /** The next request's head and its body of {@code Content-Length} bytes; empty when the client closed. */
        String next() throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    return "";
                }
                head.write(c);
            }
            String text = head.toString(StandardCharsets.ISO_8859_1);
            int length = text.lines()
                    .filter(l -> l.toLowerCase().startsWith("content-length:"))
                    .mapToInt(l -> Integer.parseInt(l.substring(15).trim()))
                    .findFirst()
                    .orElse(0);
            String request = text + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
            seen.add(request);
            return request;
        }
    }

    private final ServerSocket server;
    private final AtomicInteger connections = new AtomicInteger();
    private final List<String> seen = new CopyOnWriteArrayList<>();

    /** Serves connection {@code i} (from 0) with {@code scripts[min(i, last)]}. */
    CannedServer(Script... scripts) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread thread = new Thread(
                () -> {
                    while (!server.isClosed()) {
                        try (Socket socket = server.accept()) {
                            int i = connections.getAndIncrement();
                            scripts[Math.min(i, scripts.length - 1)].serve(
                                    new Requests(socket.getInputStream()), socket.getOutputStream());
                            socket.getOutputStream().flush();
                        } catch (IOException e) {
                            // the client went away, or the server closed: next connection, or done
                        }
                    }
                },
                "canned-server");
        thread.setDaemon(true);
        thread.start();
    }

    /** A script that reads one request and writes {@code response}. */
    static Script answer(String response) {
        return (requests, out) -> {
            requests.next();
            out.write(response.getBytes(StandardCharsets.ISO_8859_1));
        };
    }

    InetSocketAddress address() {
        return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
    }

    /** How many connections were accepted. */
    int connections() {
        return connections.get();
    }

    /** Every request read so far, head and body, in order. */
    List<String> seen() {
        return List.copyOf(seen);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
