package dev.meshbox.bookinfo.http;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;

/**
 * The last requests a test app received, kept in memory and served as JSON on {@code GET /__meshbox/requests}
 * ({@code DELETE} empties it), so tests and scenarios can check what the mesh delivered, e.g. that a mirrored
 * copy reached httpbin v2 with Host {@code httpbin-shadow:8000}. Requests under {@code /__meshbox/} are the
 * harness talking to the app and are not recorded. Nothing goes to stdout.
 */
public final class RequestLog {
    public static final String CONTROL_PREFIX = "/__meshbox/";
    public static final int DEFAULT_CAPACITY = 1000;

    private final AppIdentity app;
    private final int capacity;
    private final Clock clock;
    private final ArrayDeque<ReceivedRequest> entries;
    private long received;

    /** What {@code GET /__meshbox/requests} answers: the newest {@code capacity} requests, oldest first. */
    @JsonPropertyOrder({"service", "version", "pod", "capacity", "received", "requests"})
    public record Snapshot(
            String service, String version, String pod, int capacity, long received, List<ReceivedRequest> requests) {
        public Snapshot {
            requests = List.copyOf(requests);
        }
    }

    public RequestLog(AppIdentity app, int capacity, Clock clock) {
        if (capacity < 1) {
            throw new IllegalArgumentException("request log capacity: must be >= 1, got " + capacity);
        }
        this.app = Objects.requireNonNull(app, "app");
        this.capacity = capacity;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.entries = new ArrayDeque<>(Math.min(capacity, 64));
    }

    public static boolean isControl(Context ctx) {
        return ctx.path().startsWith(CONTROL_PREFIX);
    }

    /** Records every request and serves the log; install it before the app's own routes. */
    public void install(RoutesConfig routes, JsonReplies replies) {
        routes.before(ctx -> {
            if (!isControl(ctx)) {
                record(ctx);
            }
        });
        routes.get(CONTROL_PREFIX + "requests", ctx -> replies.send(ctx, 200, snapshot()));
        routes.delete(CONTROL_PREFIX + "requests", ctx -> {
            clear();
            ctx.status(204);
        });
    }

    synchronized void record(Context ctx) {
        received++;
        if (entries.size() == capacity) {
            entries.removeFirst();
        }
        entries.addLast(ReceivedRequest.of(received, clock.instant(), ctx));
    }

    public synchronized Snapshot snapshot() {
        return new Snapshot(app.service(), app.version(), app.podName(), capacity, received, List.copyOf(entries));
    }

    /** Forgets the entries; {@code seq} and {@code received} keep counting, so old and new never share a number. */
    public synchronized void clear() {
        entries.clear();
    }
}
