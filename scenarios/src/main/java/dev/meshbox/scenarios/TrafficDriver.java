package dev.meshbox.scenarios;

import dev.meshbox.bookinfo.http.Http1Client;
import dev.meshbox.bookinfo.http.Http1Request;
import dev.meshbox.bookinfo.http.Http1Response;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Sends a step's traffic: {@code count} requests over {@code concurrency} keep-alive connections, from the ingress
 * or from a workload's sidecar. Each request carries {@code x-request-id: <run>-<n>} so its path through the mesh
 * can be found in the proxies' access logs afterwards.
 */
public final class TrafficDriver {

    /**
     * The result of one request; {@code status} 0 ({@link #NO_RESPONSE}) means the request failed before a response:
     * the connection was refused, reset or closed first, which curl prints as {@code 000}. With redirects followed,
     * {@code redirects} holds each 3xx answered on the way, in order, and the rest describes the last response.
     */
    public record Result(
            String requestId,
            int status,
            long nanos,
            String error,
            Map<String, String> headers,
            String body,
            List<Redirect> redirects) {

        public Result {
            redirects = redirects == null ? List.of() : List.copyOf(redirects);
        }

        public Result(
                String requestId, int status, long nanos, String error, Map<String, String> headers, String body) {
            this(requestId, status, nanos, error, headers, body, List.of());
        }

        /** The first answer the request got: its first redirect if it was followed, else the response itself. */
        public Redirect firstAnswer() {
            return redirects.isEmpty() ? new Redirect(status, headers.get("location")) : redirects.get(0);
        }
    }

    /** The status of a request that got no HTTP response, curl's {@code 000}. */
    public static final int NO_RESPONSE = 0;

    /** A 3xx answer and its {@code Location} ({@code null} when it had none). */
    public record Redirect(int status, String location) {}

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final MeshAccess mesh;

    public TrafficDriver(MeshAccess mesh) {
        this.mesh = mesh;
    }

    public List<Result> send(Scenario.Traffic t, String runId, IntConsumer progress) throws InterruptedException {
        if (t.url().startsWith("grpc://")) {
            URI u = URI.create(t.url());
            java.util.Optional<MeshAccess.ProxylessClient> proxyless = mesh.proxylessClient(t.from());
            if (proxyless.isPresent()) {
                return GrpcTraffic.sendProxyless(t, proxyless.get(), runId, progress);
            }
            InetSocketAddress addr = mesh.hasSidecar(t.from())
                    ? mesh.outboundOf(t.from())
                    : mesh.directTarget(t.from(), u.getHost(), u.getPort());
            return GrpcTraffic.send(t, addr, runId, progress);
        }
        if (t.url().startsWith("https://")) {
            return HttpsTraffic.send(mesh, t, runId, progress);
        }
        if (t.url().startsWith("tcp://")) {
            return TcpTraffic.send(t, tcpAddress(t), runId, progress);
        }
        Map<String, String> headers = new LinkedHashMap<>(t.headers());
        // A Host header names the authority to send, as it does on the wire: a gateway's host, say.
        String host = t.host().orElse(headers.remove("host"));
        Target target = host == null ? target(t) : target(t).withHost(host);
        // A gateway (the ingress, or one deployed for a Gateway API Gateway) is entered from outside the mesh.
        boolean throughGateway = t.from().equals("ingress") || mesh.entersAtGateway(t.from());
        if (throughGateway && headers.containsKey("end-user")) {
            // Through a gateway a user is a login, as in Istio's task: productpage knows users only by session.
            String user = headers.remove("end-user");
            headers.put("cookie", login(target, user));
        }
        // A header the request cannot carry is the caller's mistake: say so before any traffic leaves.
        request(t, target, headers, runId + "-0");
        List<Result> results = Collections.synchronizedList(new ArrayList<>(Math.min(t.count(), 10_000)));
        long start = System.nanoTime();
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(t.concurrency(), r -> {
            Thread th = new Thread(r, "meshbox-traffic");
            th.setDaemon(true);
            return th;
        });
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < t.concurrency(); w++) {
                workers.add(pool.submit(() -> {
                    try (Http1Client conn = Http1Client.keepAlive(target.address)) {
                        for (int n = next.getAndIncrement();
                                n < t.count() && !timeUp(start, t);
                                n = next.getAndIncrement()) {
                            pace(start, n, t);
                            String id = runId + "-" + n;
                            results.add(follow(conn, t, target, headers, id));
                            progress.accept(done.incrementAndGet());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : workers) {
                f.get();
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("traffic worker failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        List<Result> sorted = new ArrayList<>(results);
        sorted.sort((a, b) -> Integer.compare(seq(a.requestId()), seq(b.requestId())));
        return sorted;
    }

    /** Request {@code id}: the step's method, target and headers, with its request id and a user agent. */
    private static Http1Request request(Scenario.Traffic t, Target target, Map<String, String> headers, String id) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put("x-request-id", id);
        h.putIfAbsent("user-agent", "meshbox-scenario");
        return Http1Request.of(t.method(), target.host, target.path).withHeaders(h);
    }

    /**
     * Sends request {@code id} and follows up to {@code t.followRedirects()} redirects on the same connection, as curl
     * -L does: a relative Location keeps the host, an absolute http one names the next host (sent through the same
     * proxy); 301, 302 and 303 turn a POST into a GET. An https Location or a missing one ends the chain.
     */
    private static Result follow(
            Http1Client conn, Scenario.Traffic t, Target target, Map<String, String> headers, String id) {
        long start = System.nanoTime();
        Result r = exchange(conn, id, request(t, target, headers, id));
        List<Redirect> hops = new ArrayList<>();
        String method = t.method();
        Target at = target;
        while (hops.size() < t.followRedirects() && r.status() >= 300 && r.status() < 400) {
            String location = r.headers().get("location");
            Target next = location == null ? null : at.resolve(location);
            if (next == null) {
                break;
            }
            hops.add(new Redirect(r.status(), location));
            if (r.status() <= 303 && !method.equals("HEAD")) {
                method = "GET";
            }
            at = next;
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put("x-request-id", id);
            h.putIfAbsent("user-agent", "meshbox-scenario");
            r = exchange(conn, id, Http1Request.of(method, at.host, at.path).withHeaders(h));
        }
        return hops.isEmpty()
                ? r
                : new Result(id, r.status(), System.nanoTime() - start, r.error(), r.headers(), r.body(), hops);
    }

    /** Sends one request on the worker's connection; a failure is a result with status 0 and the reason. */
    private static Result exchange(Http1Client conn, String id, Http1Request request) {
        long sent = System.nanoTime();
        try {
            Http1Response r = conn.send(request, TIMEOUT);
            return new Result(id, r.status(), System.nanoTime() - sent, null, r.joinedHeaders(), r.bodyText());
        } catch (IOException e) {
            return new Result(id, 0, 0, e.getMessage(), Map.of(), "");
        }
    }

    /** Whether the traffic's duration, if it has one, has passed. */
    private static boolean timeUp(long start, Scenario.Traffic t) {
        return !t.duration().isZero()
                && System.nanoTime() - start >= t.duration().toNanos();
    }

    /** With a rate, request {@code n} is due at {@code start + n / rate}: the workers together keep the pace. */
    private static void pace(long start, int n, Scenario.Traffic t) throws InterruptedException {
        if (t.rate() <= 0) {
            return;
        }
        long wait = start + (long) (n * 1e9 / t.rate()) - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
    }

    /**
     * Where a {@code tcp://HOST:PORT} connection goes: the ingress (or a gateway workload) at the port, the sender's
     * pod address at the port (its sidecar's outbound TCP listener), or a pod of the service without a sidecar.
     */
    private InetSocketAddress tcpAddress(Scenario.Traffic t) {
        URI u = URI.create(t.url());
        if (t.from().equals("ingress")) {
            return mesh.proxyPort("ingress", u.getPort());
        }
        if (!mesh.hasSidecar(t.from())) {
            return mesh.directTarget(t.from(), u.getHost(), u.getPort());
        }
        return mesh.proxyPort(t.from(), u.getPort());
    }

    private static int seq(String id) {
        return Integer.parseInt(id.substring(id.lastIndexOf('-') + 1));
    }

    private String login(Target target, String user) {
        String form = "username=" + URLEncoder.encode(user, StandardCharsets.UTF_8) + "&passwd=password";
        try (Http1Client conn = Http1Client.keepAlive(target.address)) {
            Http1Response r = conn.send(
                    Http1Request.of("POST", target.host, "/login")
                            .withHeader("content-type", "application/x-www-form-urlencoded")
                            .withBody(form),
                    TIMEOUT);
            String cookie = r.header("set-cookie");
            if (cookie == null) {
                throw new IllegalStateException(
                        "logging in as " + user + " through the ingress gave " + r.status() + " and no session cookie");
            }
            return cookie.split(";", 2)[0];
        } catch (IOException e) {
            throw new IllegalStateException(
                    "logging in as " + user + " through the ingress failed: " + e.getMessage(), e);
        }
    }

    private record Target(InetSocketAddress address, String host, String path) {
        Target withHost(String authority) {
            return new Target(address, authority, path);
        }

        /** Where a {@code Location} sends the next request, through the same address; null where it cannot go. */
        Target resolve(String location) {
            if (location.startsWith("/")) {
                return new Target(address, host, location);
            }
            if (!location.startsWith("http://")) {
                return null;
            }
            URI u = URI.create(location);
            String authority = u.getPort() > 0 ? u.getHost() + ":" + u.getPort() : u.getHost();
            String p = (u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath())
                    + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
            return new Target(address, authority, p);
        }
    }

    private Target target(Scenario.Traffic t) {
        if (t.url().startsWith("http://")) {
            URI u = URI.create(t.url());
            String host = u.getPort() > 0 ? u.getHost() + ":" + u.getPort() : u.getHost();
            String path = u.getRawPath().isEmpty()
                    ? "/"
                    : u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
            InetSocketAddress addr;
            if (t.from().equals("ingress")) {
                addr = mesh.ingress();
            } else if (mesh.hasSidecar(t.from())) {
                addr = mesh.outboundOf(t.from());
            } else {
                // No sidecar to send through: the app connects to a pod of the service itself, in plaintext, as
                // curl in Istio's legacy namespace does.
                addr = mesh.directTarget(t.from(), u.getHost(), u.getPort() > 0 ? u.getPort() : 80);
            }
            return new Target(addr, host, path);
        }
        // A path enters at the ingress, or at the gateway the traffic is from.
        InetSocketAddress ingress = !t.from().equals("ingress") && mesh.entersAtGateway(t.from())
                ? mesh.outboundOf(t.from())
                : mesh.ingress();
        return new Target(ingress, ingress.getHostString() + ":" + ingress.getPort(), t.url());
    }
}
