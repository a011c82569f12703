package dev.meshbox.bookinfo;

import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.function.Consumer;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Runs one app's routes on its own Javalin (Jetty) server. Six of these share a JVM, so each gets a
 * small thread pool of daemon threads: a launcher that forgets to close one does not keep the JVM alive.
 */
public final class JavalinWorkload implements Workload {
    private static final int MIN_THREADS = 2;
    private static final int MAX_THREADS = 32;
    private static final int IDLE_TIMEOUT_MILLIS = 30_000;

    private final AppContext ctx;
    private final Consumer<RoutesConfig> routes;
    private final Runnable afterStop;
    private final Object lock = new Object();
    private Javalin server;
    private InetSocketAddress bound;
    private boolean closed;

    public JavalinWorkload(AppContext ctx, Consumer<RoutesConfig> routes) {
        this(ctx, routes, () -> {});
    }

    /**
     * {@code afterStop} frees what the app owns besides the server (a timer thread); it runs once, on close, just before
     * the server stops.
     */
    public JavalinWorkload(AppContext ctx, Consumer<RoutesConfig> routes, Runnable afterStop) {
        this.ctx = Objects.requireNonNull(ctx, "ctx");
        this.routes = Objects.requireNonNull(routes, "routes");
        this.afterStop = Objects.requireNonNull(afterStop, "afterStop");
    }

    @Override
    public void start() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException(ctx.podName() + ": cannot start a closed workload");
            }
            if (server != null) {
                return;
            }
            QueuedThreadPool pool = new QueuedThreadPool(MAX_THREADS, MIN_THREADS, IDLE_TIMEOUT_MILLIS);
            pool.setName(ctx.podName() + "-http");
            pool.setDaemon(true);
            Javalin javalin = Javalin.create(cfg -> {
                cfg.startup.showJavalinBanner = false;
                cfg.startup.showOldJavalinVersionWarning = false;
                cfg.startup.startupWatcherEnabled = false;
                cfg.jetty.threadPool = pool;
                routes.accept(cfg.routes);
            });
            InetSocketAddress listen = ctx.listen();
            String host = listen.getAddress() != null ? listen.getAddress().getHostAddress() : listen.getHostString();
            try {
                javalin.start(host, listen.getPort());
            } catch (RuntimeException e) {
                javalin.stop();
                throw new IllegalStateException(
                        ctx.podName() + " (" + ctx.service() + " " + ctx.version() + "): cannot listen on " + host + ":"
                                + listen.getPort() + ": " + e.getMessage(),
                        e);
            }
            server = javalin;
            bound = listen.getAddress() != null
                    ? new InetSocketAddress(listen.getAddress(), javalin.port())
                    : InetSocketAddress.createUnresolved(host, javalin.port());
        }
    }

    @Override
    public InetSocketAddress address() {
        synchronized (lock) {
            if (bound == null) {
                throw new IllegalStateException(ctx.podName() + ": not started");
            }
            return bound;
        }
    }

    @Override
    public void close() {
        Javalin toStop;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            toStop = server;
            server = null;
        }
        // What the app owns goes first: its pending waits then fail and are answered, so the stop does not wait on
        // them.
        try {
            afterStop.run();
        } finally {
            if (toStop != null) {
                toStop.stop();
            }
        }
    }

    @Override
    public String toString() {
        return "JavalinWorkload[" + ctx.service() + " " + ctx.version() + " " + ctx.podName() + "]";
    }
}
