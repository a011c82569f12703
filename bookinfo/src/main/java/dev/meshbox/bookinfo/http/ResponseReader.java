package dev.meshbox.bookinfo.http;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Parses one HTTP/1.1 response for {@link Http1Client}: Content-Length, chunked, or read-to-close bodies. */
final class ResponseReader {
    private static final int MAX_LINE = 16 * 1024;
    private static final int MAX_HEADERS = 200;
    private static final int MAX_BODY = 16 * 1024 * 1024;

    /** A response, and whether the connection may carry another request after it. */
    record Read(Http1Response response, boolean keepAlive) {}

    private final InputStream in;

    ResponseReader(InputStream in) {
        this.in = in;
    }

    /** Reads one response, skipping interim 1xx responses. */
    Read read(boolean headRequest) throws IOException {
        while (true) {
            String statusLine = readLine();
            int status = parseStatus(statusLine);
            Map<String, List<String>> headers = readHeaders();
            if (status >= 100 && status < 200 && status != 101) {
                continue;
            }
            boolean keepAlive = keepAlive(statusLine, headers);
            byte[] body;
            if (headRequest || status == 204 || status == 304) {
                body = new byte[0];
            } else if (hasLength(headers)) {
                body = readBody(headers);
            } else {
                body = readToClose();
                keepAlive = false;
            }
            return new Read(new Http1Response(status, headers, body), keepAlive && status != 101);
        }
    }

    /** HTTP/1.1 keeps the connection unless the server says close; HTTP/1.0 closes it unless it says keep-alive. */
    private static boolean keepAlive(String statusLine, Map<String, List<String>> headers) {
        List<String> tokens = headers.getOrDefault("connection", List.of()).stream()
                .flatMap(v -> Arrays.stream(v.split(",")))
                .map(t -> t.strip().toLowerCase(Locale.ROOT))
                .toList();
        if (tokens.contains("close")) {
            return false;
        }
        return statusLine.startsWith("HTTP/1.1") || tokens.contains("keep-alive");
    }

    /** Whether the body's end is known without the server closing the connection. */
    private static boolean hasLength(Map<String, List<String>> headers) {
        List<String> encodings = headers.getOrDefault("transfer-encoding", List.of());
        if (!encodings.isEmpty()) {
            return encodings.get(encodings.size() - 1).toLowerCase(Locale.ROOT).endsWith("chunked");
        }
        return headers.containsKey("content-length");
    }

    private static int parseStatus(String line) throws IOException {
        // "HTTP/1.1 200 OK"; the reason phrase is optional.
        String[] parts = line.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("malformed status line: '" + abbreviate(line) + "'");
        }
        try {
            int status = Integer.parseInt(parts[1]);
            if (status < 100 || status > 999) {
                throw new NumberFormatException();
            }
            return status;
        } catch (NumberFormatException e) {
            throw new IOException("malformed status code in '" + abbreviate(line) + "'");
        }
    }

    private Map<String, List<String>> readHeaders() throws IOException {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int count = 0; ; count++) {
            String line = readLine();
            if (line.isEmpty()) {
                return headers;
            }
            if (count >= MAX_HEADERS) {
                throw new IOException("more than " + MAX_HEADERS + " response headers");
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("malformed header line: '" + abbreviate(line) + "'");
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            headers.computeIfAbsent(name, k -> new ArrayList<>())
                    .add(line.substring(colon + 1).trim());
        }
    }

    private byte[] readBody(Map<String, List<String>> headers) throws IOException {
        if (headers.containsKey("transfer-encoding")) {
            return readChunked();
        }
        return readExactly(parseLength(headers.get("content-length")));
    }

    private static long parseLength(List<String> values) throws IOException {
        long length = -1;
        for (String value : values) {
            for (String part : value.split(",")) {
                long parsed;
                try {
                    parsed = Long.parseLong(part.trim());
                } catch (NumberFormatException e) {
                    throw new IOException("malformed Content-Length '" + value + "'");
                }
                if (parsed < 0 || (length >= 0 && parsed != length)) {
                    throw new IOException("conflicting or negative Content-Length '" + value + "'");
                }
                length = parsed;
            }
        }
        if (length > MAX_BODY) {
            throw new IOException("response body of " + length + " bytes exceeds " + MAX_BODY);
        }
        return length;
    }

    private byte[] readChunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = readLine();
            int semicolon = sizeLine.indexOf(';');
            String hex = (semicolon >= 0 ? sizeLine.substring(0, semicolon) : sizeLine).trim();
            long size;
            try {
                size = Long.parseLong(hex, 16);
            } catch (NumberFormatException e) {
                throw new IOException("malformed chunk size '" + abbreviate(sizeLine) + "'");
            }
            if (size < 0 || body.size() + size > MAX_BODY) {
                throw new IOException("chunked body exceeds " + MAX_BODY + " bytes");
            }
            if (size == 0) {
                readHeaders(); // trailers, ignored
                return body.toByteArray();
            }
            body.write(readExactly(size));
            if (!readLine().isEmpty()) {
                throw new IOException("chunk not terminated by CRLF");
            }
        }
    }

    private byte[] readExactly(long length) throws IOException {
        byte[] data = new byte[(int) length];
        int done = 0;
        while (done < length) {
            int n = in.read(data, done, data.length - done);
            if (n < 0) {
                throw new EOFException("connection closed after " + done + " of " + length + " body bytes");
            }
            done += n;
        }
        return data;
    }

    private byte[] readToClose() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        for (int n; (n = in.read(buffer)) >= 0; ) {
            if (body.size() + n > MAX_BODY) {
                throw new IOException("response body exceeds " + MAX_BODY + " bytes");
            }
            body.write(buffer, 0, n);
        }
        return body.toByteArray();
    }

    /** A line ending in CRLF (a bare LF is tolerated), without the terminator. */
    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException(
                        line.size() == 0 ? "connection closed before a response" : "connection closed mid-line");
            }
            if (c == '\n') {
                byte[] bytes = line.toByteArray();
                int end = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
            }
            if (line.size() >= MAX_LINE) {
                throw new IOException("response line longer than " + MAX_LINE + " bytes");
            }
            line.write(c);
        }
    }

    private static String abbreviate(String line) {
        return line.length() > 80 ? line.substring(0, 80) + "..." : line;
    }
}
