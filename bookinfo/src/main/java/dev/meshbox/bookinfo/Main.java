package dev.meshbox.bookinfo;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;

/**
 * Runs one Bookinfo app, httpbin or an echo app until the process is killed, for backends that give each
 * app its own process or container: {@code --service reviews --version v2 --pod reviews-v2-abc
 * --namespace default --listen 0.0.0.0:9080 --proxy 127.0.0.1:15001}; {@code --service httpbin --version v1}
 * (on port 8080); {@code --service canary --version v2 --echo --error-rate 0.1}. Exit status 2 means a bad
 * command line.
 */
public final class Main {
    static final int EXIT_USAGE = 2;
    static final int EXIT_FAILED = 1;

    private Main() {}

    public static void main(String[] args) throws InterruptedException {
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** Returns an exit status on failure or {@code --help}; otherwise blocks until the JVM shuts down. */
    static int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
        MainArgs parsed;
        Workload workload;
        try {
            parsed = MainArgs.parse(args);
            if (parsed.help()) {
                out.println(MainArgs.USAGE);
                return 0;
            }
            workload = workload(parsed);
        } catch (MainArgs.UsageException | IllegalArgumentException e) {
            err.println("bookinfo: " + e.getMessage());
            err.println(MainArgs.USAGE);
            return EXIT_USAGE;
        }
        AppContext ctx = parsed.context();
        try {
            workload.start();
        } catch (RuntimeException e) {
            err.println("bookinfo: " + e.getMessage());
            workload.close();
            return EXIT_FAILED;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            workload.close();
                            stopped.countDown();
                        },
                        "bookinfo-shutdown"));
        out.printf(
                "bookinfo: %s %s (pod %s.%s) listening on %s, outbound via %s%n",
                ctx.service(),
                ctx.version(),
                ctx.podName(),
                ctx.namespace(),
                hostPort(workload.address()),
                hostPort(ctx.outboundProxy()));
        // Jetty's threads are daemons, so main must stay alive until the shutdown hook has closed the app.
        stopped.await();
        return 0;
    }

    /**
     * {@code --grpc-echo} or {@code --echo} win; otherwise httpbin, the cnn stand-in, helloworld and tcp-echo by name, and every
     * other name is Bookinfo's to accept or reject.
     */
    static Workload workload(MainArgs args) {
        AppContext ctx = args.context();
        if (args.grpcEcho()) {
            return TestApps.grpcEcho(ctx);
        }
        if (args.echo().isPresent()) {
            return TestApps.echo(ctx, args.echo().get());
        }
        if (ctx.service().equals("httpbin")) {
            return TestApps.httpbin(ctx);
        }
        if (ctx.service().equals("tcp-echo")) {
            return TestApps.tcpEcho(ctx);
        }
        if (ctx.service().equals("cnn")) {
            return TestApps.cnn(ctx);
        }
        if (ctx.service().equals("helloworld")) {
            return TestApps.helloworld(ctx);
        }
        return BookinfoApps.create(ctx);
    }

    private static String hostPort(java.net.InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }
}
