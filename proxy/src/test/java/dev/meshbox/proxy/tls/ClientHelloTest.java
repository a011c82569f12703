package dev.meshbox.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.proxy.spec.FilterChainSpec;
import dev.meshbox.proxy.spec.ListenerSpec;
import dev.meshbox.proxy.spec.TcpProxySpec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;

/** The tls_inspector's peek: SNI from a real ClientHello, plaintext told apart, nothing consumed; chain choice. */
class ClientHelloTest {

    static byte[] hello(String sni) throws Exception {
        SSLEngine engine = SSLContext.getDefault().createSSLEngine();
        engine.setUseClientMode(true);
        if (sni != null) {
            SSLParameters params = engine.getSSLParameters();
            params.setServerNames(List.of(new SNIHostName(sni)));
            engine.setSSLParameters(params);
        }
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        return bytes;
    }

    @Test
    void readsTheServerNameWithoutConsumingAndWaitsForTheWholeRecord() throws Exception {
        byte[] bytes = hello("Nginx.Example.com");
        ByteBuf whole = Unpooled.wrappedBuffer(bytes);
        assertThat(ClientHello.inspect(whole))
                .isEqualTo(new ClientHello.Result(ClientHello.Kind.TLS, "nginx.example.com"));
        assertThat(whole.readerIndex()).isZero();
        ByteBuf part = Unpooled.wrappedBuffer(bytes, 0, 40);
        assertThat(ClientHello.inspect(part).kind()).isEqualTo(ClientHello.Kind.NEED_MORE);
        assertThat(ClientHello.inspect(Unpooled.wrappedBuffer(hello(null))))
                .isEqualTo(new ClientHello.Result(ClientHello.Kind.TLS, null));
    }

    @Test
    void plaintextIsRawBuffer() {
        ByteBuf get = Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", StandardCharsets.US_ASCII);
        assertThat(ClientHello.inspect(get).kind()).isEqualTo(ClientHello.Kind.PLAINTEXT);
        assertThat(ClientHello.inspect(Unpooled.EMPTY_BUFFER).kind()).isEqualTo(ClientHello.Kind.NEED_MORE);
    }

    private static FilterChainSpec chain(String name, Integer port, String... serverNames) {
        return new FilterChainSpec(name, port, null, name, null, null, List.of(serverNames), TcpProxySpec.to(name));
    }

    @Test
    void chainsAreChosenByPortThenServerNameExactBeforeWildcardBeforeNone() {
        ListenerSpec l = new ListenerSpec(
                "0.0.0.0_443",
                443,
                true,
                false,
                ListenerSpec.Direction.OUTBOUND,
                List.of(
                        chain("any-sni", 443),
                        chain("wild", 443, "*.example.com"),
                        chain("exact", 443, "nginx.example.com"),
                        chain("other-port", 8443, "nginx.example.com")));
        assertThat(l.chainFor(443, FilterChainSpec.TLS, "nginx.example.com").name())
                .isEqualTo("exact");
        assertThat(l.chainFor(443, FilterChainSpec.TLS, "www.example.com").name())
                .isEqualTo("wild");
        assertThat(l.chainFor(443, FilterChainSpec.TLS, "example.org").name()).isEqualTo("any-sni");
        assertThat(l.chainFor(443, FilterChainSpec.RAW_BUFFER, null).name()).isEqualTo("any-sni");
        assertThat(l.chainFor(8443, FilterChainSpec.TLS, "nginx.example.com").name())
                .isEqualTo("other-port");
        assertThat(l.chainFor(8443, FilterChainSpec.TLS, "www.example.com")).isNull();
        assertThat(l.choosesChainPerConnection()).isTrue();
        assertThat(l.inspectsFirstBytes()).isTrue();
    }
}
