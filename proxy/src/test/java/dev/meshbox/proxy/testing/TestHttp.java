package dev.meshbox.proxy.testing;

import dev.meshbox.bookinfo.http.Http1Client;
import dev.meshbox.bookinfo.http.Http1Request;
import dev.meshbox.bookinfo.http.Http1Response;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * The project's HTTP/1.1 client ({@link Http1Client}) in the shape the proxy's tests use it: any Host (or none, for
 * absolute-form requests), one call per connection or one connection reused, the answer as status, headers and text.
 */
public final class TestHttp implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    /** An answer; header names are lower case, repeated headers joined with commas. */
    public record Response(int status, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        static Response of(Http1Response r) {
            return new Response(r.status(), r.joinedHeaders(), r.bodyText());
        }
    }

    private final Http1Client client;

    /** A client whose requests share one keep-alive connection to {@code address}. */
    public TestHttp(InetSocketAddress address) {
        this.client = Http1Client.keepAlive(address);
    }

    /** One GET on a connection of its own; {@code headers} are name, value pairs. */
    public static Response get(InetSocketAddress address, String host, String path, String... headers)
            throws IOException {
        try (Http1Client once = Http1Client.perCall(address)) {
            return Response.of(once.send(Http1Request.get(host, path).withHeaders(headers), TIMEOUT));
        }
    }

    public Response request(String method, String target, String host, String... headers) throws IOException {
        return Response.of(client.send(Http1Request.of(method, host, target).withHeaders(headers), TIMEOUT));
    }

    @Override
    public void close() {
        client.close();
    }
}
