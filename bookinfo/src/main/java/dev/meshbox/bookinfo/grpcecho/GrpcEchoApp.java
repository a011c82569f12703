package dev.meshbox.bookinfo.grpcecho;

import com.google.protobuf.StringValue;
import dev.meshbox.bookinfo.http.AppIdentity;
import io.grpc.ForwardingServerCall;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC echo workload (grpc-java, plaintext HTTP/2 as a meshed app serves behind its sidecar): {@code
 * meshbox.echo.Echo/Say} answers {@code <service> <version> (<pod>): <message>} with the version also in the
 * {@code x-meshbox-version} header, so canary splits are countable; a call carrying {@code x-meshbox-grpc-status:
 * NAME} fails with that status (a trailers-only answer), for retry and fault scenarios. The health service is not
 * needed: the launcher waits on the port. {@code TestApps.grpcEcho} makes it a workload.
 */
public final class GrpcEchoApp implements AutoCloseable {

    private static final Metadata.Key<String> FAIL_WITH =
            Metadata.Key.of(GrpcEcho.FAIL_WITH, Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> VERSION =
            Metadata.Key.of(GrpcEcho.VERSION, Metadata.ASCII_STRING_MARSHALLER);
    private static final io.grpc.Context.Key<String> FAILURE = io.grpc.Context.key("meshbox-fail-with");

    private final AppIdentity ctx;
    private final InetSocketAddress listen;
    private Server server;

    public GrpcEchoApp(AppIdentity identity, InetSocketAddress listen) {
        this.ctx = identity;
        this.listen = listen;
    }

    ServerServiceDefinition service() {
        ServerServiceDefinition echo = ServerServiceDefinition.builder(GrpcEcho.SERVICE)
                .addMethod(
                        GrpcEcho.SAY,
                        ServerCalls.asyncUnaryCall(
                                (StringValue request, io.grpc.stub.StreamObserver<StringValue> out) -> {
                                    String fail = FAILURE.get();
                                    if (fail != null) {
                                        out.onError(status(fail)
                                                .withDescription("asked to fail")
                                                .asRuntimeException());
                                        return;
                                    }
                                    out.onNext(StringValue.of(GrpcEcho.reply(
                                            ctx.service(), ctx.version(), ctx.podName(), request.getValue())));
                                    out.onCompleted();
                                }))
                .addMethod(
                        GrpcEcho.COUNT,
                        ServerCalls.asyncServerStreamingCall(
                                (StringValue request, io.grpc.stub.StreamObserver<StringValue> out) ->
                                        count(request.getValue(), out)))
                .addMethod(
                        GrpcEcho.CHAT,
                        ServerCalls.asyncBidiStreamingCall(out -> new io.grpc.stub.StreamObserver<StringValue>() {
                            @Override
                            public void onNext(StringValue m) {
                                out.onNext(StringValue.of(
                                        GrpcEcho.reply(ctx.service(), ctx.version(), ctx.podName(), m.getValue())));
                            }

                            @Override
                            public void onError(Throwable t) {
                                // the client went away: nothing to answer
                            }

                            @Override
                            public void onCompleted() {
                                out.onCompleted();
                            }
                        }))
                .build();
        return ServerInterceptors.intercept(echo, new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                    ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                ServerCall<Q, R> versioned = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                    @Override
                    public void sendHeaders(Metadata responseHeaders) {
                        responseHeaders.put(VERSION, ctx.version());
                        super.sendHeaders(responseHeaders);
                    }
                };
                io.grpc.Context c = io.grpc.Context.current().withValue(FAILURE, headers.get(FAIL_WITH));
                return io.grpc.Contexts.interceptCall(c, versioned, headers, next);
            }
        });
    }

    /** {@code Count}'s replies: "n" or "n,gapMs" (at most 100 replies, 1 s apart). */
    private void count(String request, io.grpc.stub.StreamObserver<StringValue> out) {
        String[] parts = request.split(",", 2);
        int n;
        long gapMs;
        try {
            n = Integer.parseInt(parts[0].trim());
            gapMs = parts.length > 1 ? Long.parseLong(parts[1].trim()) : 0;
        } catch (NumberFormatException e) {
            out.onError(Status.INVALID_ARGUMENT
                    .withDescription("Count takes \"n\" or \"n,gapMs\", got \"" + request + "\"")
                    .asRuntimeException());
            return;
        }
        for (int i = 1; i <= Math.min(n, 100); i++) {
            if (i > 1 && gapMs > 0) {
                try {
                    Thread.sleep(Math.min(gapMs, 1000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            out.onNext(
                    StringValue.of(GrpcEcho.reply(ctx.service(), ctx.version(), ctx.podName(), Integer.toString(i))));
        }
        out.onCompleted();
    }

    /** A status by its gRPC name, as Istio's {@code grpcStatus}; UNKNOWN for a name gRPC does not have. */
    static Status status(String name) {
        try {
            return Status.Code.valueOf(name.trim().toUpperCase(Locale.ROOT)).toStatus();
        } catch (IllegalArgumentException e) {
            return Status.UNKNOWN;
        }
    }

    /** Binds {@code listen}; returns once it accepts connections. */
    public void start() {
        try {
            server = NettyServerBuilder.forAddress(listen, InsecureServerCredentials.create())
                    .addService(service())
                    .build()
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("grpc echo " + ctx.service() + " cannot listen on " + listen, e);
        }
    }

    /** The bound address. */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.getListenSockets().get(0);
    }

    @Override
    public void close() {
        if (server != null) {
            server.shutdownNow();
            try {
                server.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
