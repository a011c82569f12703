package dev.meshbox.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.IOException;
import java.net.InetSocketAddress;

/** The gRPC benchmark's one method, {@code meshbox.bench.Fast/Call}: bytes in, the same fixed bytes out. */
final class GrpcBench {

    static final MethodDescriptor<BytesValue, BytesValue> CALL = MethodDescriptor.<BytesValue, BytesValue>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("meshbox.bench.Fast/Call")
            .setRequestMarshaller(ProtoUtils.marshaller(BytesValue.getDefaultInstance()))
            .setResponseMarshaller(ProtoUtils.marshaller(BytesValue.getDefaultInstance()))
            .build();

    private GrpcBench() {}

    /** A grpc-java server answering every call with {@code bodyBytes} bytes. */
    static Server server(InetSocketAddress bind, int bodyBytes) throws IOException {
        BytesValue reply = BytesValue.of(ByteString.copyFrom(new byte[bodyBytes]));
        return NettyServerBuilder.forAddress(bind)
                .addService(ServerServiceDefinition.builder("meshbox.bench.Fast")
                        .addMethod(CALL, ServerCalls.asyncUnaryCall((req, out) -> {
                            out.onNext(reply);
                            out.onCompleted();
                        }))
                        .build())
                .build()
                .start();
    }

    /** A plaintext (h2c) channel to {@code address}, sending {@code authority} as :authority. */
    static ManagedChannel channel(InetSocketAddress address, String authority) {
        return NettyChannelBuilder.forAddress(address)
                .usePlaintext()
                .overrideAuthority(authority)
                .build();
    }

    static BytesValue call(ManagedChannel channel, BytesValue request) {
        return ClientCalls.blockingUnaryCall(channel, CALL, CallOptions.DEFAULT, request);
    }
}
