package dev.meshbox.bookinfo.grpcecho;

import com.google.protobuf.StringValue;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;

/**
 * The gRPC echo service: {@code meshbox.echo.Echo/Say}, a {@code google.protobuf.StringValue} in, one out; {@code
 * Count} (server streaming) and {@code Chat} (bidi streaming) with the same messages. Well-known types need no generated code, and any gRPC client (grpcurl, grpc-java, grpc-go) can call it.
 */
public final class GrpcEcho {

    public static final String SERVICE = "meshbox.echo.Echo";

    public static final MethodDescriptor<StringValue, StringValue> SAY =
            MethodDescriptor.<StringValue, StringValue>newBuilder()
                    .setType(MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Say"))
                    .setRequestMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
                    .setResponseMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
                    .build();

    /**
     * Server streaming, {@code meshbox.echo.Echo/Count}: a request "n" is answered with n replies {@code "<service>
     * <version> (<pod>): i"}, i from 1 to n, each sent when the app gets it off its queue, so a client sees them one by
     * one (add {@code ",<ms>"} to space them: "3,200").
     */
    public static final MethodDescriptor<StringValue, StringValue> COUNT =
            MethodDescriptor.<StringValue, StringValue>newBuilder()
                    .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
                    .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Count"))
                    .setRequestMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
                    .setResponseMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
                    .build();

    /** Bidi streaming, {@code meshbox.echo.Echo/Chat}: each message answered at once with its {@link #reply}. */
    public static final MethodDescriptor<StringValue, StringValue> CHAT =
            MethodDescriptor.<StringValue, StringValue>newBuilder()
                    .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
                    .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Chat"))
                    .setRequestMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
                    .setResponseMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
                    .build();

    /** Request metadata: the app fails the call with this gRPC status name (e.g. {@code UNAVAILABLE}). */
    public static final String FAIL_WITH = "x-meshbox-grpc-status";

    /** Response metadata (headers): which version answered, as Bookinfo's reviews tells it in its body. */
    public static final String VERSION = "x-meshbox-version";

    private GrpcEcho() {}

    /** The reply text: {@code <service> <version> (<pod>): <message>}, so a caller can tell who answered. */
    public static String reply(String service, String version, String pod, String message) {
        return service + " " + version + " (" + pod + "): " + message;
    }

    /** The version a {@link #reply} names, or null when the text is not one. */
    public static String versionOf(String reply) {
        int space = reply.indexOf(' ');
        int next = space < 0 ? -1 : reply.indexOf(' ', space + 1);
        return next < 0 ? null : reply.substring(space + 1, next);
    }
}
