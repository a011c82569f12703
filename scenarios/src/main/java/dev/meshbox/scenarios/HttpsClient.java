package dev.meshbox.scenarios;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.handler.codec.http2.HttpToHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.InboundHttp2ToHttpAdapterBuilder;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One HTTPS request as curl sends it to a gateway: {@code --resolve} (the address), the server name as SNI and
 * checked against the certificate, {@code --cacert} (the CA to trust), {@code --cert}/{@code --key} (a client
 * certificate), ALPN h2 and http/1.1, HTTP/2 when the server picks it. A TLS failure is an answer with status 0 and
 * the reason, as curl prints {@code 000} and its error.
 */
public final class HttpsClient {

    /**
     * How to speak TLS: the server name (SNI and the name the certificate must carry), the CA to trust, and
     * optionally a client certificate and key, all PEM.
     */
    public record Tls(String serverName, String caPem, String clientCertPem, String clientKeyPem) {
        public Tls(String serverName, String caPem) {
            this(serverName, caPem, null, null);
        }
    }

    /**
     * What came back: the status (0 when no response came), {@code HTTP/2} or {@code HTTP/1.1}, headers in lower
     * case, the body, and the error when there was no response.
     */
    public record Answer(int status, String protocol, Map<String, String> headers, String body, String error) {}

    private HttpsClient() {}

    public static Answer get(
            InetSocketAddress address,
            String authority,
            String path,
            Map<String, String> headers,
            Tls tls,
            Duration timeout) {
        SslContext ssl;
        try {
            SslContextBuilder b = SslContextBuilder.forClient()
                    .trustManager(pem(tls.caPem()))
                    .endpointIdentificationAlgorithm("HTTPS")
                    .applicationProtocolConfig(new ApplicationProtocolConfig(
                            ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2,
                            ApplicationProtocolNames.HTTP_1_1));
            if (tls.clientCertPem() != null) {
                b.keyManager(pem(tls.clientCertPem()), pem(tls.clientKeyPem()));
            }
            ssl = b.build();
        } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "cannot make a TLS client from the CA and certificates given: " + e.getMessage(), e);
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        try {
            Bootstrap bootstrap = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            SslHandler handler = ssl.newHandler(ch.alloc(), tls.serverName(), address.getPort());
                            ch.pipeline().addLast(handler);
                            ch.pipeline().addLast(new Negotiated(authority, path, headers, answer));
                        }
                    });
            bootstrap.connect(address).addListener(f -> {
                if (!f.isSuccess()) {
                    answer.complete(failed(f.cause()));
                }
            });
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed(e);
        } catch (ExecutionException e) {
            return failed(e.getCause());
        } catch (TimeoutException e) {
            return new Answer(0, "", Map.of(), "", "no answer within " + timeout.toMillis() + " ms");
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private static Answer failed(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = t == root ? String.valueOf(t) : t + " (" + root + ")";
        return new Answer(0, "", Map.of(), "", message);
    }

    private static ByteArrayInputStream pem(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII));
    }

    /** After ALPN: the HTTP/2 or HTTP/1.1 codec, the request, and the response into {@code answer}. */
    private static final class Negotiated extends ApplicationProtocolNegotiationHandler {
        private final String authority;
        private final String path;
        private final Map<String, String> headers;
        private final CompletableFuture<Answer> answer;

        Negotiated(String authority, String path, Map<String, String> headers, CompletableFuture<Answer> answer) {
            super(ApplicationProtocolNames.HTTP_1_1);
            this.authority = authority;
            this.path = path;
            this.headers = headers;
            this.answer = answer;
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            Channel ch = ctx.channel();
            boolean h2 = protocol.equals(ApplicationProtocolNames.HTTP_2);
            if (h2) {
                Http2Connection connection = new DefaultHttp2Connection(false);
                ch.pipeline()
                        .addLast(new HttpToHttp2ConnectionHandlerBuilder()
                                .connection(connection)
                                .frameListener(new InboundHttp2ToHttpAdapterBuilder(connection)
                                        .maxContentLength(1 << 20)
                                        .propagateSettings(false)
                                        .build())
                                .build());
            } else {
                ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20));
            }
            ch.pipeline().addLast(new SimpleChannelInboundHandler<FullHttpResponse>() {
                @Override
                protected void channelRead0(ChannelHandlerContext c, FullHttpResponse r) {
                    Map<String, String> h = new LinkedHashMap<>();
                    r.headers().forEach(e -> {
                        String name = e.getKey().toLowerCase(Locale.ROOT);
                        if (!name.startsWith("x-http2-")) {
                            h.merge(name, e.getValue(), (a, b) -> a + "," + b);
                        }
                    });
                    answer.complete(new Answer(
                            r.status().code(),
                            h2 ? "HTTP/2" : "HTTP/1.1",
                            h,
                            r.content().toString(StandardCharsets.UTF_8),
                            null));
                    c.close();
                }

                @Override
                public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
                    answer.complete(failed(cause));
                    c.close();
                }

                @Override
                public void channelInactive(ChannelHandlerContext c) {
                    answer.complete(new Answer(0, "", Map.of(), "", "the connection was closed before any answer"));
                }
            });
            FullHttpRequest request =
                    new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path, Unpooled.EMPTY_BUFFER);
            request.headers().set("host", authority);
            headers.forEach((k, v) -> request.headers().set(k, v));
            if (h2) {
                request.headers().set(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(), "https");
            }
            ch.writeAndFlush(request);
        }

        @Override
        protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
            answer.complete(failed(cause));
            ctx.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            answer.complete(failed(cause));
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            answer.complete(new Answer(0, "", Map.of(), "", "the connection was closed before any answer"));
            super.channelInactive(ctx);
        }
    }
}
