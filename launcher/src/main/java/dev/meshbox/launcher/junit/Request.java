package dev.meshbox.launcher.junit;

import dev.meshbox.scenarios.AccessLogQueries;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Requests to send through the mesh: what to call, from where, with which headers, over how many connections. A
 * value: each {@code from}, {@code header}, ... returns a new request, so a base request can be shared by tests.
 *
 * <pre>{@code
 * mesh.send(1000, get("http://reviews:9080/reviews/0").from("productpage"));
 * mesh.send(20, get("/productpage").user("jason"));          // through the ingress, logged in
 * mesh.send(200, grpc("grpc://echo-grpc:7070/meshbox.echo.Echo/Say").from("sleep")); // gRPC calls, h2c
 * }</pre>
 *
 * @param method      the HTTP method (the requests carry no body)
 * @param url         {@code http://service:port/path} as an app in the mesh calls it, or a path ({@code /productpage})
 *                    to send through the ingress gateway
 * @param from        {@code ingress}, or the workload (app label, e.g. {@code productpage}) whose sidecar sends the
 *                    requests, exactly as that app's own calls leave it
 * @param headers     request headers, names in lower case
 * @param concurrency how many connections send at once (1 to 64)
 */
public record Request(
        String method,
        String url,
        String from,
        Map<String, String> headers,
        int concurrency,
        java.util.Optional<dev.meshbox.scenarios.Scenario.TrafficTls> tls) {

    /** Requests enter the mesh at the ingress gateway unless {@link #from(String)} names a workload. */
    public static final String INGRESS = AccessLogQueries.INGRESS;
    /** The header Bookinfo's productpage sets for a logged-in user, and that Istio's samples route on. */
    public static final String END_USER = "end-user";

    private static final int MAX_CONCURRENCY = 64;

    public Request {
        if (method == null || !method.matches("[A-Z]+")) {
            throw new IllegalArgumentException("method: expected an HTTP method such as GET, got " + method);
        }
        if (url != null && url.startsWith("grpc://")) {
            String problem = dev.meshbox.scenarios.GrpcTraffic.check(url);
            if (problem != null) {
                throw new IllegalArgumentException("url: " + problem);
            }
        } else if (url != null && url.startsWith("tcp://")) {
            String problem = dev.meshbox.scenarios.TcpTraffic.check(url);
            if (problem != null) {
                throw new IllegalArgumentException("url: " + problem);
            }
        } else if (url == null || !(url.startsWith("http://") || url.startsWith("https://") || url.startsWith("/"))) {
            throw new IllegalArgumentException("url: expected http://service:port/path (called from a workload), /path "
                    + "(through the ingress), https://host/path (TLS to a gateway, with trusting(...)) or"
                    + " grpc://service:port/meshbox.echo.Echo/Say, got " + url);
        }
        tls = tls == null ? java.util.Optional.empty() : tls;
        if (from == null || from.isBlank()) {
            throw new IllegalArgumentException(
                    "from: expected \"ingress\" or a workload such as productpage, got " + from);
        }
        if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
            throw new IllegalArgumentException(
                    "concurrency: expected 1 to " + MAX_CONCURRENCY + ", got " + concurrency);
        }
        Map<String, String> lower = new LinkedHashMap<>();
        headers.forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v));
        headers = Map.copyOf(lower);
    }

    /**
     * Unary gRPC calls ({@code grpc://echo-grpc:7070/meshbox.echo.Echo/Say}, the {@code grpc-echo} workload's method)
     * with grpc-java, h2c through the sidecar {@link #from(String)} names; each response's status is 200 as the proxy
     * logs a gRPC answer, its {@code grpc-status} header the gRPC status name and its body the reply.
     */
    public static Request grpc(String url) {
        return new Request("POST", url, INGRESS, Map.of(), 1, java.util.Optional.empty());
    }

    /**
     * TCP connections ({@code tcp://tcp-echo:9000}), one per request, each sending a line and reading one back as
     * Istio's tasks do with {@code nc}: from a workload through its sidecar's TCP listener at the service port, from
     * the ingress to the gateway at that port (a {@code TCP} Gateway server's). A response is 200 when a line came
     * back, its body the line; the tcp-echo workload's answer tells its version ({@code one} v1, {@code two} v2).
     */
    public static Request tcp(String url) {
        return new Request("GET", url, INGRESS, Map.of(), 1, java.util.Optional.empty());
    }

    /** A GET of {@code url}, sent through the ingress until {@link #from(String)} says otherwise. */
    public static Request get(String url) {
        return new Request("GET", url, INGRESS, Map.of(), 1, java.util.Optional.empty());
    }

    /** Any method ({@code Request.of("DELETE", url)}); the requests carry no body. */
    public static Request of(String method, String url) {
        return new Request(method.toUpperCase(Locale.ROOT), url, INGRESS, Map.of(), 1, java.util.Optional.empty());
    }

    /** Sent by this workload's sidecar (an app label such as {@code productpage}), or {@code ingress}. */
    public Request from(String workload) {
        return new Request(method, url, workload, headers, concurrency, tls);
    }

    public Request header(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name.toLowerCase(Locale.ROOT), value);
        return new Request(method, url, from, h, concurrency, tls);
    }

    /** With this Host (authority) rather than the URL's: a gateway's host, or a VirtualService host like www.example.com. */
    public Request host(String authority) {
        return header("host", authority);
    }

    /**
     * As this user: through the ingress the user logs in to Bookinfo first (productpage then adds {@code end-user} to
     * its calls); from a workload the requests carry {@code end-user} themselves.
     */
    public Request user(String name) {
        return header(END_USER, name);
    }

    public Request concurrency(int connections) {
        return new Request(method, url, from, headers, connections, tls);
    }

    /**
     * For an {@code https://} URL (TLS to a gateway, as curl in Istio's secure ingress task): trusting the CA
     * {@code caPem} ({@code --cacert}), sending the URL's host as SNI.
     */
    public Request trusting(String caPem) {
        return new Request(
                method,
                url,
                from,
                headers,
                concurrency,
                java.util.Optional.of(new dev.meshbox.scenarios.Scenario.TrafficTls(
                        caPem,
                        tls.flatMap(t -> t.clientCertificatePem()),
                        tls.flatMap(t -> t.privateKeyPem()),
                        tls.flatMap(t -> t.sni()))));
    }

    /** For an {@code https://} URL to a MUTUAL server: presenting this client certificate ({@code --cert}, {@code --key}). */
    public Request clientCertificate(String certPem, String keyPem) {
        String ca = tls.map(t -> t.caCertificatesPem())
                .orElseThrow(() -> new IllegalStateException("call trusting(caPem) before clientCertificate(...)"));
        return new Request(
                method,
                url,
                from,
                headers,
                concurrency,
                java.util.Optional.of(new dev.meshbox.scenarios.Scenario.TrafficTls(
                        ca, java.util.Optional.of(certPem), java.util.Optional.of(keyPem), tls.flatMap(t -> t.sni()))));
    }

    /** The service the URL names ({@code reviews} for {@code http://reviews.default.svc:9080/...}), empty for a path. */
    public String service() {
        String scheme = url.startsWith("grpc://") ? "grpc://" : url.startsWith("tcp://") ? "tcp://" : "http://";
        if (!url.startsWith(scheme)) {
            return "";
        }
        String authority = url.substring(scheme.length()).split("[/?#]", 2)[0];
        String host = authority.replaceFirst(":\\d*$", "");
        int dot = host.indexOf('.');
        return dot < 0 ? host : host.substring(0, dot);
    }

    /** {@code GET http://reviews:9080/reviews/0 from productpage}, for messages. */
    public String describe() {
        return method + " " + url + " from " + from + (headers.isEmpty() ? "" : " with " + headers);
    }
}
