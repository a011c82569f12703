package dev.meshbox.bookinfo.grpcecho;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.StringValue;
import dev.meshbox.bookinfo.http.AppIdentity;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gRPC echo workload over a real socket with a grpc-java client. */
class GrpcEchoAppTest {

    private GrpcEchoApp app;
    private ManagedChannel channel;

    @BeforeEach
    void start() {
        app = new GrpcEchoApp(
                new AppIdentity("echo-grpc", "v2", "echo-grpc-v2-abc", "default"),
                new InetSocketAddress("127.0.0.1", 0));
        app.start();
        channel = Grpc.newChannelBuilderForAddress(
                        "127.0.0.1", app.address().getPort(), InsecureChannelCredentials.create())
                .build();
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        app.close();
    }

    private String say(String message, Metadata headers, AtomicReference<Metadata> responseHeaders) {
        return ClientCalls.blockingUnaryCall(
                        ClientInterceptors.intercept(
                                channel,
                                MetadataUtils.newAttachHeadersInterceptor(headers),
                                MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, new AtomicReference<>())),
                        GrpcEcho.SAY,
                        CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
                        StringValue.of(message))
                .getValue();
    }

    @Test
    void repliesWithItsServiceVersionAndPodInTheBodyAndTheVersionHeader() {
        AtomicReference<Metadata> headers = new AtomicReference<>();
        String reply = say("hello", new Metadata(), headers);
        assertThat(reply).isEqualTo("echo-grpc v2 (echo-grpc-v2-abc): hello");
        assertThat(GrpcEcho.versionOf(reply)).isEqualTo("v2");
        assertThat(headers.get().get(Metadata.Key.of(GrpcEcho.VERSION, Metadata.ASCII_STRING_MARSHALLER)))
                .isEqualTo("v2");
    }

    @Test
    void failsWithTheStatusTheCallerNames() {
        Metadata fail = new Metadata();
        fail.put(Metadata.Key.of(GrpcEcho.FAIL_WITH, Metadata.ASCII_STRING_MARSHALLER), "unavailable");
        assertThatThrownBy(() -> say("x", fail, new AtomicReference<>()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }

    @Test
    void countStreamsNRepliesAndRefusesWhatIsNotANumber() {
        java.util.List<String> replies = new java.util.ArrayList<>();
        ClientCalls.blockingServerStreamingCall(
                        channel,
                        GrpcEcho.COUNT,
                        CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
                        StringValue.of("3"))
                .forEachRemaining(v -> replies.add(v.getValue()));
        assertThat(replies)
                .containsExactly(
                        "echo-grpc v2 (echo-grpc-v2-abc): 1",
                        "echo-grpc v2 (echo-grpc-v2-abc): 2",
                        "echo-grpc v2 (echo-grpc-v2-abc): 3");
        assertThatThrownBy(() -> ClientCalls.blockingServerStreamingCall(
                                channel,
                                GrpcEcho.COUNT,
                                CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
                                StringValue.of("many"))
                        .hasNext())
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("\"many\"");
                });
    }

    @Test
    void chatAnswersEveryMessage() throws Exception {
        java.util.List<String> replies = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        io.grpc.stub.StreamObserver<StringValue> requests = ClientCalls.asyncBidiStreamingCall(
                channel.newCall(GrpcEcho.CHAT, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS)),
                new io.grpc.stub.StreamObserver<StringValue>() {
                    @Override
                    public void onNext(StringValue v) {
                        replies.add(v.getValue());
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(null);
                    }
                });
        requests.onNext(StringValue.of("a"));
        requests.onNext(StringValue.of("b"));
        requests.onCompleted();
        done.get(5, TimeUnit.SECONDS);
        assertThat(replies).containsExactly("echo-grpc v2 (echo-grpc-v2-abc): a", "echo-grpc v2 (echo-grpc-v2-abc): b");
    }
}
