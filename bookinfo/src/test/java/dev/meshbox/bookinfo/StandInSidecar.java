package dev.meshbox.bookinfo;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Stands in for a sidecar's outbound listener: reads one request, picks the app registered for the Host
 * header's service name and relays the exchange byte for byte. It records every request it sees and can
 * inject the two faults Istio's tasks use: an abort (503) and a hang (no answer until the caller gives up).
 */
final class StandInSidecar implements AutoCloseable {
    /** A request as the sidecar saw it; header names lower-cased. */
    record Seen(String service, String requestLine, Map<String, String> headers) {
        String header(String name) {
            return headers.get(name);
        }
    }

    enum Fault {
        ABORT_503,
        HANG
    }

    private final ServerSocket server;
    private final ExecutorService connections = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "stand-in-sidecar");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, InetSocketAddress> routes = new ConcurrentHashMap<>();
    private final Map<String, Fault> faults = new ConcurrentHashMap<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    private StandInSidecar(ServerSocket server) {
        this.server = server;
    }

    static StandInSidecar start() throws IOException {
        StandInSidecar sidecar = new StandInSidecar(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        sidecar.connections.execute(sidecar::acceptLoop);
        return sidecar;
    }

    InetSocketAddress address() {
        return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
    }

    void route(String service, InetSocketAddress app) {
        routes.put(service, app);
    }

    void inject(String service, Fault fault) {
        faults.put(service, fault);
    }

    /** Forgets faults and recorded requests; routes stay. */
    void reset() {
        faults.clear();
        seen.clear();
    }

    List<Seen> seen(String service) {
        return seen.stream().filter(s -> s.service().equals(service)).toList();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : open) {
            socket.close();
        }
        connections.shutdownNow();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                open.add(client);
                connections.execute(() -> serve(client));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = new BufferedInputStream(client.getInputStream());
            byte[] head = readHead(in);
            Seen request = parse(head);
            seen.add(request);
            Fault fault = faults.get(request.service());
            if (fault == Fault.HANG) {
                // Say nothing until the caller's timeout makes it close the connection.
                while (in.read() >= 0) {
                    // discard
                }
                return;
            }
            InetSocketAddress target = routes.get(request.service());
            if (fault == Fault.ABORT_503 || target == null) {
                answer(
                        client.getOutputStream(),
                        fault == Fault.ABORT_503 ? 503 : 404,
                        fault == Fault.ABORT_503 ? "fault filter abort" : "no route");
                return;
            }
            relay(client, head, target);
        } catch (IOException e) {
            // the caller went away; nothing to report
        } finally {
            open.remove(client);
        }
    }

    private static void relay(Socket client, byte[] head, InetSocketAddress target) throws IOException {
        try (Socket upstream = new Socket()) {
            try {
                upstream.connect(target, 1000);
            } catch (IOException refused) {
                answer(client.getOutputStream(), 503, "upstream connect error");
                return;
            }
            upstream.getOutputStream().write(head);
            upstream.getOutputStream().flush();
            // Requests carry "Connection: close", so the app ends the exchange by closing.
            upstream.getInputStream().transferTo(client.getOutputStream());
            client.getOutputStream().flush();
        }
    }

    private static void answer(OutputStream out, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 " + status + " X\r\ncontent-type: text/plain\r\ncontent-length: " + bytes.length
                        + "\r\nconnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.write(bytes);
        out.flush();
    }

    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed before the end of the request head");
            }
            head.write(c);
            matched = c == end[matched] ? matched + 1 : (c == '\r' ? 1 : 0);
        }
        return head.toByteArray();
    }

    private static Seen parse(byte[] head) {
        String[] lines = new String(head, StandardCharsets.ISO_8859_1).split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(
                        lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
        }
        String host = headers.getOrDefault("host", "");
        String service = host.contains(":") ? host.substring(0, host.indexOf(':')) : host;
        return new Seen(service, lines[0], headers);
    }
}
