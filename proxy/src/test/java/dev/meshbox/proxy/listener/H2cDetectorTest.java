package dev.meshbox.proxy.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.HttpToHttp2ConnectionHandler;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Envoy's codec AUTO: HTTP/2's client preface selects HTTP/2, anything else stays HTTP/1.1, byte for byte. */
class H2cDetectorTest {

    private static EmbeddedChannel channel() {
        return new EmbeddedChannel(
                new H2cDetector(1024 * 1024), new HttpServerCodec(), new HttpObjectAggregator(1024 * 1024));
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    @Test
    void http11StaysWithTheHttp11CodecEvenWhenItArrivesByteByByte() {
        EmbeddedChannel ch = channel();
        String request = "GET /productpage HTTP/1.1\r\nHost: productpage:9080\r\n\r\n";
        for (byte b : request.getBytes(StandardCharsets.US_ASCII)) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        FullHttpRequest got = ch.readInbound();
        assertThat(got.uri()).isEqualTo("/productpage");
        assertThat(got.headers().get("host")).isEqualTo("productpage:9080");
        got.release();
        assertThat(ch.pipeline().get(H2cDetector.class)).isNull();
        assertThat(ch.pipeline().get(HttpServerCodec.class)).isNotNull();
        ch.finishAndReleaseAll();
    }

    @Test
    void aMethodThatStartsLikeThePrefaceIsStillHttp11() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(ascii("PRI"));
        assertThat(ch.pipeline().get(H2cDetector.class))
                .as("undecided after 3 bytes")
                .isNotNull();
        ch.writeInbound(ascii("NT /x HTTP/1.1\r\nHost: a\r\n\r\n"));
        FullHttpRequest got = ch.readInbound();
        assertThat(got.method().name()).isEqualTo("PRINT");
        got.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void thePrefaceSwitchesTheConnectionToHttp2AndTheServerAnswersWithItsSettings() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Http2CodecUtil.connectionPrefaceBuf());
        assertThat(ch.pipeline().get(HttpToHttp2ConnectionHandler.class)).isNotNull();
        assertThat(ch.pipeline().get(HttpServerCodec.class)).isNull();
        assertThat(ch.pipeline().get(HttpObjectAggregator.class)).isNull();
        ByteBuf out = ch.readOutbound();
        // The server's first frame is SETTINGS (type 4), as RFC 9113 3.4 requires.
        assertThat(out.getByte(out.readerIndex() + 3)).isEqualTo((byte) 4);
        out.release();
        ch.finishAndReleaseAll();
    }
}
