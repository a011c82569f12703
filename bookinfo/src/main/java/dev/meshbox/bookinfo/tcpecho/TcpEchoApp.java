package dev.meshbox.bookinfo.tcpecho;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Istio's {@code samples/tcp-echo} server ({@code istio/tcp-echo-server}): on each of its ports, every line a client
 * sends comes back with the prefix in front ({@code one hello}), until the client closes. The sample runs v1 with
 * prefix {@code one} and v2 with {@code two} on ports 9000 and 9001 (and 9002, a port no Service names), so a TCP
 * traffic split shows in the answers.
 */
public final class TcpEchoApp implements AutoCloseable {

    /** The prefix a version answers with, as the sample's deployments set it: v1 {@code one}, v2 {@code two}. */
    public static String prefixOf(String version) {
        return switch (version) {
            case "v1" -> "one";
            case "v2" -> "two";
            default -> version;
        };
    }

    /** The version an answer's prefix names: {@code one ...} is v1, {@code two ...} v2; null for anything else. */
    public static String versionOf(String answer) {
        if (answer == null) {
            return null;
        }
        if (answer.startsWith("one ")) {
            return "v1";
        }
        if (answer.startsWith("two ")) {
            return "v2";
        }
        return null;
    }

    private final String prefix;
    private final List<InetSocketAddress> listen;
    private final List<ServerSocket> servers = new ArrayList<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "tcp-echo");
        t.setDaemon(true);
        return t;
    });

    /** Answers with {@code prefix} on each address of {@code listen}. */
    public TcpEchoApp(String prefix, List<InetSocketAddress> listen) {
        this.prefix = prefix;
        this.listen = List.copyOf(listen);
    }

    public void start() {
        try {
            for (InetSocketAddress a : listen) {
                ServerSocket s = new ServerSocket();
                s.setReuseAddress(true);
                s.bind(a, 128);
                servers.add(s);
                threads.execute(() -> accept(s));
            }
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("tcp-echo cannot bind " + listen + ": " + e.getMessage(), e);
        }
    }

    /** The first port's bound address. */
    public InetSocketAddress address() {
        return (InetSocketAddress) servers.get(0).getLocalSocketAddress();
    }

    private void accept(ServerSocket server) {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                open.add(s);
                threads.execute(() -> serve(s));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            String line;
            while ((line = in.readLine()) != null) {
                out.write((prefix + " " + line + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException e) {
            // the client went away
        } finally {
            open.remove(s);
        }
    }

    @Override
    public void close() {
        for (ServerSocket s : servers) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        threads.shutdownNow();
    }
}
