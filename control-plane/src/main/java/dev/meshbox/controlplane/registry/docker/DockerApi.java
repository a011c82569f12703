package dev.meshbox.controlplane.registry.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * The few read-only calls of the Docker Engine API the registry needs, over the engine's Unix socket (or TCP), with
 * HTTP/1.0 so every answer is a plain body up to the end of the stream. It only reads: the control plane never
 * creates or removes containers.
 */
public final class DockerApi {

    /** The API version: Debian's engine 20.10 speaks 1.41, and newer engines still accept it. */
    static final String VERSION = "/v1.41";

    private final String unixPath;
    private final InetSocketAddress tcp;
    private final ObjectMapper json = new ObjectMapper();

    private DockerApi(String unixPath, InetSocketAddress tcp) {
        this.unixPath = unixPath;
        this.tcp = tcp;
    }

    /** {@code DOCKER_HOST} ({@code unix:///path} or {@code tcp://host:port}), else {@code /var/run/docker.sock}. */
    public static DockerApi of(String dockerHost) {
        String host = dockerHost == null || dockerHost.isBlank() ? "unix:///var/run/docker.sock" : dockerHost;
        URI uri = URI.create(host);
        return switch (uri.getScheme()) {
            case "unix" -> new DockerApi(uri.getPath(), null);
            case "tcp" ->
                new DockerApi(null, new InetSocketAddress(uri.getHost(), uri.getPort() < 0 ? 2375 : uri.getPort()));
            default ->
                throw new IllegalArgumentException(
                        "DOCKER_HOST " + host + ": expected unix:///path or tcp://host:port");
        };
    }

    /** GET {@code path} (e.g. {@code /containers/json}) and parse the JSON answer; a non-2xx status is an IOException. */
    public JsonNode get(String path) throws IOException {
        byte[] request = ("GET " + VERSION + path + " HTTP/1.0\r\nHost: docker\r\nAccept: application/json\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] response;
        if (unixPath != null) {
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(unixPath));
                response = exchange(Channels.newOutputStream(ch), Channels.newInputStream(ch), request);
            }
        } else {
            try (Socket s = new Socket()) {
                s.connect(tcp, 2000);
                s.setSoTimeout(10_000);
                response = exchange(s.getOutputStream(), s.getInputStream(), request);
            }
        }
        String text = new String(response, StandardCharsets.UTF_8);
        int headerEnd = text.indexOf("\r\n\r\n");
        if (!text.startsWith("HTTP/") || headerEnd < 0) {
            throw new IOException("the Docker engine answered GET " + path + " with something that is not HTTP");
        }
        int status = Integer.parseInt(text.substring(9, 12));
        String body = text.substring(headerEnd + 4);
        if (status / 100 != 2) {
            throw new IOException("the Docker engine answered GET " + path + " with " + status + ": " + body.strip());
        }
        return json.readTree(body);
    }

    private static byte[] exchange(OutputStream out, InputStream in, byte[] request) throws IOException {
        out.write(request);
        out.flush();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        in.transferTo(buf);
        return buf.toByteArray();
    }

    @Override
    public String toString() {
        return unixPath != null ? "unix://" + unixPath : "tcp://" + tcp.getHostString() + ":" + tcp.getPort();
    }
}
