package dev.meshbox.launcher.ui;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A GET on a proxy's admin or Prometheus port that closes the connection itself once it has read the response.
 * The UI polls these ports every few seconds; a pooled keep-alive connection would be closed by the proxy when the mesh
 * stops, leaving TIME_WAIT on the gateway's fixed ports (127.0.0.1:15000, :15090) for a minute, and {@code up}'s
 * check of its ports would refuse the next start. The side that closes first keeps the TIME_WAIT: here, the UI's
 * ephemeral port.
 */
final class ProxyHttp {

    record Response(int status, String body) {
    }

    private static final int CONNECT_MILLIS = 2_000;
    private static final int READ_MILLIS = 5_000;

    private ProxyHttp() {
    }

    static Response get(String host, int port, String path) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), CONNECT_MILLIS);
            s.setSoTimeout(READ_MILLIS);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nUser-Agent: meshbox-ui\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = new BufferedInputStream(s.getInputStream());
            String statusLine = line(in);
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                throw new IOException("not an HTTP response: \"" + statusLine + "\"");
            }
            int length = -1;
            for (String h = line(in); !h.isEmpty(); h = line(in)) {
                int colon = h.indexOf(':');
                if (colon > 0 && h.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
                    length = Integer.parseInt(h.substring(colon + 1).trim());
                }
            }
            byte[] body = length >= 0 ? in.readNBytes(length) : in.readAllBytes();
            if (length >= 0 && body.length < length) {
                throw new IOException("response ended after " + body.length + " of " + length + " bytes");
            }
            return new Response(Integer.parseInt(parts[1]), new String(body, StandardCharsets.UTF_8));
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed in the response headers");
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }
}
