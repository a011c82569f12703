package dev.meshbox.scenarios;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One keep-alive HTTP/1.1 connection used by one traffic worker. It writes the Host header itself, which is how
 * traffic addressed to {@code reviews:9080} reaches a sidecar's outbound listener.
 */
final class HttpExchange implements AutoCloseable {

    /** A response as the driver needs it. */
    record Response(int status, Map<String, String> headers, String body, long nanos) {}

    private final InetSocketAddress target;
    private final int timeoutMillis;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    HttpExchange(InetSocketAddress target, int timeoutMillis) {
        this.target = target;
        this.timeoutMillis = timeoutMillis;
    }

    Response send(String method, String host, String path, Map<String, String> headers, String body)
            throws IOException {
        long start = System.nanoTime();
        try {
            return exchange(method, host, path, headers, body, start);
        } catch (IOException first) {
            // A keep-alive connection the server closed between requests: one fresh connection, as clients do.
            close();
            return exchange(method, host, path, headers, body, start);
        }
    }

    private Response exchange(
            String method, String host, String path, Map<String, String> headers, String body, long start)
            throws IOException {
        if (socket == null) {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(target, timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            in = new BufferedInputStream(socket.getInputStream(), 16384);
            out = socket.getOutputStream();
        }
        byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder req = new StringBuilder(256);
        req.append(method)
                .append(' ')
                .append(path)
                .append(" HTTP/1.1\r\nhost: ")
                .append(host)
                .append("\r\n");
        headers.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
        if (payload.length > 0 || method.equals("POST") || method.equals("PUT")) {
            req.append("content-length: ").append(payload.length).append("\r\n");
        }
        req.append("\r\n");
        out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(payload);
        out.flush();
        Response r = read(method, start);
        if ("close".equalsIgnoreCase(r.headers().get("connection"))) {
            close();
        }
        return r;
    }

    private Response read(String method, long start) throws IOException {
        String status = line();
        while (status.isEmpty()) {
            status = line();
        }
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP response: " + status);
        }
        int code = Integer.parseInt(parts[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h = line(); !h.isEmpty(); h = line()) {
            int colon = h.indexOf(':');
            if (colon > 0) {
                headers.merge(
                        h.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        h.substring(colon + 1).trim(),
                        (a, b) -> a + "," + b);
            }
        }
        if (code / 100 == 1) {
            return read(method, start);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (method.equals("HEAD") || code == 204 || code == 304) {
            // no body
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            for (int size = Integer.parseInt(line().split(";")[0].trim(), 16);
                    size > 0;
                    size = Integer.parseInt(line().split(";")[0].trim(), 16)) {
                body.write(in.readNBytes(size));
                line();
            }
            for (String t = line(); !t.isEmpty(); t = line()) {
                // trailers are ignored
            }
        } else if (headers.containsKey("content-length")) {
            byte[] b = in.readNBytes(Integer.parseInt(headers.get("content-length")));
            body.write(b);
        } else {
            body.write(in.readAllBytes());
            close();
        }
        return new Response(code, headers, body.toString(StandardCharsets.UTF_8), System.nanoTime() - start);
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder(64);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            sb.append((char) c);
        }
        throw new IOException("connection closed by " + target.getHostString() + ":" + target.getPort());
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        socket = null;
        in = null;
        out = null;
    }
}
