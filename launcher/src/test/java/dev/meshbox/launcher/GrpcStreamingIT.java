package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.StringValue;
import dev.meshbox.bookinfo.grpcecho.GrpcEcho;
import dev.meshbox.launcher.junit.Mesh;
import dev.meshbox.launcher.junit.MeshTest;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Streaming gRPC through two sidecars (sleep's, then the grpc-echo pod's), as Envoy forwards it: a server-streaming
 * call's replies reach the client as the app sends them, not all at the end, and a bidi call echoes every message.
 */
@MeshTest(
        workloads = {"sleep", "grpc-echo"},
        seed = 7)
class GrpcStreamingIT {

    private static ManagedChannel channel(Mesh mesh) {
        InetSocketAddress sidecar = mesh.sidecar("sleep");
        return Grpc.newChannelBuilderForAddress(
                        sidecar.getAddress().getHostAddress(), sidecar.getPort(), InsecureChannelCredentials.create())
                .overrideAuthority("echo-grpc:7070")
                .build();
    }

    @Test
    void aServerStreamingCallsRepliesArriveOneByOneThroughTwoSidecars(Mesh mesh) throws Exception {
        ManagedChannel channel = channel(mesh);
        try {
            List<String> replies = new ArrayList<>();
            List<Long> arrivals = new ArrayList<>();
            // The app sends reply i + 1 600 ms after reply i: gathered, all three would arrive together at the end.
            Iterator<StringValue> it = ClientCalls.blockingServerStreamingCall(
                    channel,
                    GrpcEcho.COUNT,
                    CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
                    StringValue.of("3,600"));
            while (it.hasNext()) {
                replies.add(it.next().getValue());
                arrivals.add(System.nanoTime());
            }
            assertThat(replies).hasSize(3);
            assertThat(replies.get(0)).endsWith(": 1");
            assertThat(replies.get(2)).endsWith(": 3");
            long spreadMs = TimeUnit.NANOSECONDS.toMillis(arrivals.get(2) - arrivals.get(0));
            assertThat(spreadMs)
                    .as("ms between the first reply's arrival and the last's (sent 1 200 ms apart)")
                    .isGreaterThan(600);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aBidiCallEchoesEveryMessageThroughTwoSidecars(Mesh mesh) throws Exception {
        ManagedChannel channel = channel(mesh);
        try {
            List<String> replies = Collections.synchronizedList(new ArrayList<>());
            CompletableFuture<Void> done = new CompletableFuture<>();
            StreamObserver<StringValue> requests = ClientCalls.asyncBidiStreamingCall(
                    channel.newCall(GrpcEcho.CHAT, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)),
                    new StreamObserver<StringValue>() {
                        @Override
                        public void onNext(StringValue m) {
                            replies.add(m.getValue());
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
            for (String m : List.of("a", "b", "c")) {
                requests.onNext(StringValue.of(m));
            }
            requests.onCompleted();
            done.get(30, TimeUnit.SECONDS);
            assertThat(replies).hasSize(3);
            assertThat(replies.get(0)).endsWith(": a");
            assertThat(replies.get(1)).endsWith(": b");
            assertThat(replies.get(2)).endsWith(": c");
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
