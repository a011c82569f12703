package dev.meshbox.controlplane.dns;

import dev.meshbox.controlplane.config.GlobalNames;
import dev.meshbox.controlplane.config.ServiceEntry;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The box's istiocoredns: a DNS server on 127.0.0.1 (UDP and TCP on one port) that answers A queries for
 * {@code *.global} names from the ServiceEntries' {@code addresses}, read afresh at every query so it follows config
 * changes, as Istio 1.4's {@code istio-coredns-plugin} answered them for the cluster's kube-dns stub domain.
 *
 * <p>A {@code .global} name no entry has gets NXDOMAIN; an entry's name asked for another type (AAAA) gets an empty
 * answer. Any other name is REFUSED: the stub forwards nothing, so nothing leaves the machine (istiocoredns forwarded
 * the rest to the node's resolver). Entries' CIDR addresses are not answers.
 */
public final class GlobalDnsStub implements AutoCloseable {

    private static final int TYPE_A = 1;
    private static final int CLASS_IN = 1;
    private static final int NOERROR = 0;
    private static final int FORMERR = 1;
    private static final int NXDOMAIN = 3;
    private static final int NOTIMP = 4;
    private static final int REFUSED = 5;
    private static final int TTL_SECONDS = 30;
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");

    private final Supplier<? extends Collection<ServiceEntry>> entries;
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private volatile boolean closed;

    private GlobalDnsStub(Supplier<? extends Collection<ServiceEntry>> entries, DatagramSocket udp, ServerSocket tcp) {
        this.entries = entries;
        this.udp = udp;
        this.tcp = tcp;
    }

    /**
     * Starts the stub on 127.0.0.1:{@code port} (0: a free port, the same for UDP and TCP), answering from the
     * entries {@code entries} returns at each query (e.g. {@code () -> store.snapshot().all(ServiceEntry.class)}).
     */
    public static GlobalDnsStub start(Supplier<? extends Collection<ServiceEntry>> entries, int port)
            throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        IOException last = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, port));
            ServerSocket tcp = new ServerSocket();
            try {
                tcp.bind(new InetSocketAddress(loopback, udp.getLocalPort()));
            } catch (BindException e) {
                udp.close();
                tcp.close();
                last = e;
                if (port != 0) {
                    break;
                }
                continue;
            }
            GlobalDnsStub stub = new GlobalDnsStub(entries, udp, tcp);
            stub.thread("meshbox-dns-udp", stub::serveUdp);
            stub.thread("meshbox-dns-tcp", stub::serveTcp);
            return stub;
        }
        throw new IOException("cannot bind the .global DNS stub on 127.0.0.1:" + port, last);
    }

    /** The port the stub answers on, UDP and TCP. */
    public int port() {
        return udp.getLocalPort();
    }

    /** {@code 127.0.0.1:PORT}. */
    public String address() {
        return udp.getLocalAddress().getHostAddress() + ":" + port();
    }

    /** The answer to one DNS message (without TCP's length prefix), or null for one too short to answer. */
    byte[] answer(byte[] query, int length) {
        if (length < 12) {
            return null;
        }
        int flags = u16(query, 2);
        int qdcount = u16(query, 4);
        int opcode = (flags >> 11) & 0xF;
        if ((flags & 0x8000) != 0) {
            return null;
        }
        if (opcode != 0) {
            return header(query, NOTIMP, 0, 0);
        }
        if (qdcount != 1) {
            return header(query, FORMERR, 0, 0);
        }
        int pos = 12;
        StringBuilder name = new StringBuilder();
        while (true) {
            if (pos >= length) {
                return header(query, FORMERR, 0, 0);
            }
            int len = query[pos] & 0xFF;
            if (len == 0) {
                pos++;
                break;
            }
            if (len > 63 || pos + 1 + len > length) {
                return header(query, FORMERR, 0, 0);
            }
            if (name.length() > 0) {
                name.append('.');
            }
            name.append(new String(query, pos + 1, len, java.nio.charset.StandardCharsets.US_ASCII));
            pos += 1 + len;
        }
        if (pos + 4 > length) {
            return header(query, FORMERR, 0, 0);
        }
        int qtype = u16(query, pos);
        int qclass = u16(query, pos + 2);
        int questionEnd = pos + 4;
        String host = name.toString().toLowerCase(Locale.ROOT);
        if (!GlobalNames.isGlobal(host) || qclass != CLASS_IN) {
            return reply(query, questionEnd, REFUSED, List.of());
        }
        List<byte[]> addresses = lookup(host);
        if (addresses == null) {
            return reply(query, questionEnd, NXDOMAIN, List.of());
        }
        return reply(query, questionEnd, NOERROR, qtype == TYPE_A ? addresses : List.of());
    }

    /** The IPv4 addresses of {@code host}, or null when no ServiceEntry has it. */
    private List<byte[]> lookup(String host) {
        List<byte[]> out = null;
        for (ServiceEntry se : entries.get()) {
            if (!se.hosts().contains(host)) {
                continue;
            }
            if (out == null) {
                out = new ArrayList<>();
            }
            for (String a : se.addresses()) {
                if (IPV4.matcher(a).matches()) {
                    String[] parts = a.split("\\.");
                    byte[] ip = new byte[4];
                    for (int i = 0; i < 4; i++) {
                        ip[i] = (byte) Integer.parseInt(parts[i]);
                    }
                    out.add(ip);
                }
            }
        }
        return out;
    }

    private static byte[] reply(byte[] query, int questionEnd, int rcode, List<byte[]> addresses) {
        byte[] head = header(query, rcode, 1, addresses.size());
        byte[] out = new byte[questionEnd + addresses.size() * 16];
        System.arraycopy(head, 0, out, 0, 12);
        System.arraycopy(query, 12, out, 12, questionEnd - 12);
        int pos = questionEnd;
        for (byte[] ip : addresses) {
            out[pos++] = (byte) 0xC0; // name: a pointer to the question's
            out[pos++] = 12;
            out[pos++] = 0;
            out[pos++] = TYPE_A;
            out[pos++] = 0;
            out[pos++] = CLASS_IN;
            out[pos++] = 0;
            out[pos++] = 0;
            out[pos++] = 0;
            out[pos++] = TTL_SECONDS;
            out[pos++] = 0;
            out[pos++] = 4;
            System.arraycopy(ip, 0, out, pos, 4);
            pos += 4;
        }
        return out;
    }

    /** A response header: the query's id, QR, its opcode and RD, AA for .global answers, and counts. */
    private static byte[] header(byte[] query, int rcode, int qdcount, int ancount) {
        byte[] h = new byte[12];
        h[0] = query[0];
        h[1] = query[1];
        int flags = 0x8000 | (u16(query, 2) & 0x7900) | rcode;
        if (rcode == NOERROR || rcode == NXDOMAIN) {
            flags |= 0x0400;
        }
        h[2] = (byte) (flags >> 8);
        h[3] = (byte) flags;
        h[5] = (byte) qdcount;
        h[7] = (byte) ancount;
        return h;
    }

    private static int u16(byte[] b, int at) {
        return ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
    }

    private void serveUdp() {
        byte[] buf = new byte[512];
        while (!closed) {
            DatagramPacket packet = new DatagramPacket(buf, buf.length);
            try {
                udp.receive(packet);
                byte[] reply = answer(packet.getData(), packet.getLength());
                if (reply != null) {
                    udp.send(new DatagramPacket(reply, reply.length, packet.getSocketAddress()));
                }
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void serveTcp() {
        while (!closed) {
            try {
                Socket s = tcp.accept();
                thread("meshbox-dns-tcp-conn", () -> serveConnection(s));
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void serveConnection(Socket s) {
        try (s) {
            s.setSoTimeout(10_000);
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            while (!closed) {
                int len = in.readUnsignedShort();
                byte[] query = in.readNBytes(len);
                byte[] reply = answer(query, query.length);
                if (reply == null) {
                    return;
                }
                out.writeShort(reply.length);
                out.write(reply);
                out.flush();
            }
        } catch (SocketException | java.io.EOFException e) {
            // the client closed or went quiet
        } catch (IOException e) {
            // nothing to answer on a broken connection
        }
    }

    private void thread(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() {
        closed = true;
        udp.close();
        try {
            tcp.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
