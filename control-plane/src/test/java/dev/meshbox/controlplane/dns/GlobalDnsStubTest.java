package dev.meshbox.controlplane.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.config.ServiceEntry;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The .global DNS stub asked over real UDP and TCP on loopback, as a pod's resolver would ask istiocoredns. */
class GlobalDnsStubTest {

    private static final String HTTPBIN_BAR = """
            apiVersion: networking.istio.io/v1alpha3
            kind: ServiceEntry
            metadata:
              name: httpbin-bar
              namespace: foo
            spec:
              hosts: [httpbin.bar.global]
              location: MESH_INTERNAL
              ports: [{name: http1, number: 8000, protocol: http}]
              resolution: DNS
              addresses: [240.0.0.2]
              endpoints: [{address: 127.0.2.1, ports: {http1: 15443}}]
            """;

    private final ConfigStore store = new ConfigStore();
    private GlobalDnsStub stub;

    @BeforeEach
    void start() throws Exception {
        assertThat(store.apply("httpbin-bar.yaml", HTTPBIN_BAR).problems()).isEmpty();
        stub = GlobalDnsStub.start(() -> store.snapshot().all(ServiceEntry.class), 0);
    }

    @AfterEach
    void stop() {
        stub.close();
    }

    @Test
    void aGlobalNameResolvesToItsServiceEntrysAddress() throws Exception {
        Answer a = udp("httpbin.bar.global", 1);

        assertThat(a.rcode).isEqualTo(0);
        assertThat(a.authoritative).isTrue();
        assertThat(a.addresses).containsExactly("240.0.0.2");
        assertThat(stub.address()).isEqualTo("127.0.0.1:" + stub.port());
    }

    @Test
    void namesAreCaseInsensitiveAndTcpAnswersToo() throws Exception {
        Answer a = tcp("HTTPBIN.Bar.Global", 1);

        assertThat(a.rcode).isEqualTo(0);
        assertThat(a.addresses).containsExactly("240.0.0.2");
    }

    @Test
    void anUnknownGlobalNameIsNxdomainAndAnAaaaQueryIsEmpty() throws Exception {
        assertThat(udp("ratings.bar.global", 1).rcode).isEqualTo(3);
        Answer aaaa = udp("httpbin.bar.global", 28);
        assertThat(aaaa.rcode).isEqualTo(0);
        assertThat(aaaa.addresses).isEmpty();
    }

    @Test
    void anyOtherNameIsRefusedNothingIsForwarded() throws Exception {
        assertThat(udp("example.com", 1).rcode).isEqualTo(5);
        assertThat(udp("httpbin.bar.svc.cluster.local", 1).rcode).isEqualTo(5);
    }

    @Test
    void answersFollowConfigChanges() throws Exception {
        assertThat(store.apply("httpbin-bar.yaml", HTTPBIN_BAR.replace("240.0.0.2", "240.0.0.7"))
                        .problems())
                .isEmpty();
        assertThat(udp("httpbin.bar.global", 1).addresses).containsExactly("240.0.0.7");

        store.apply(
                "ratings.yaml",
                HTTPBIN_BAR
                        .replace("httpbin-bar", "ratings-bar")
                        .replace("httpbin.bar.global", "ratings.bar.global")
                        .replace("240.0.0.2", "240.0.0.3"));
        assertThat(udp("ratings.bar.global", 1).addresses).containsExactly("240.0.0.3");
    }

    private record Answer(int rcode, boolean authoritative, List<String> addresses) {}

    private Answer udp(String name, int type) throws Exception {
        byte[] q = query(name, type);
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            s.setSoTimeout(5_000);
            s.send(new DatagramPacket(q, q.length, InetAddress.getLoopbackAddress(), stub.port()));
            DatagramPacket p = new DatagramPacket(new byte[512], 512);
            s.receive(p);
            return parse(q, p.getData());
        }
    }

    private Answer tcp(String name, int type) throws Exception {
        byte[] q = query(name, type);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), stub.port())) {
            s.setSoTimeout(5_000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeShort(q.length);
            out.write(q);
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            return parse(q, in.readNBytes(in.readUnsignedShort()));
        }
    }

    private static byte[] query(String name, int type) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        out.writeShort(0x1234);
        out.writeShort(0x0100); // RD
        out.writeShort(1);
        out.writeShort(0);
        out.writeShort(0);
        out.writeShort(0);
        for (String label : name.split("\\.")) {
            out.writeByte(label.length());
            out.write(label.getBytes(StandardCharsets.US_ASCII));
        }
        out.writeByte(0);
        out.writeShort(type);
        out.writeShort(1);
        return b.toByteArray();
    }

    private static Answer parse(byte[] query, byte[] r) {
        assertThat(r[0] & 0xFF).as("id").isEqualTo(0x12);
        assertThat(r[1] & 0xFF).as("id").isEqualTo(0x34);
        assertThat(r[2] & 0x80).as("QR").isNotZero();
        int ancount = ((r[6] & 0xFF) << 8) | (r[7] & 0xFF);
        int pos = query.length; // the question is echoed
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < ancount; i++) {
            pos += 2 + 2 + 2 + 4; // name pointer, type, class, ttl
            int len = ((r[pos] & 0xFF) << 8) | (r[pos + 1] & 0xFF);
            pos += 2;
            addresses.add((r[pos] & 0xFF) + "." + (r[pos + 1] & 0xFF) + "." + (r[pos + 2] & 0xFF) + "."
                    + (r[pos + 3] & 0xFF));
            pos += len;
        }
        return new Answer(r[3] & 0x0F, (r[2] & 0x04) != 0, addresses);
    }
}
