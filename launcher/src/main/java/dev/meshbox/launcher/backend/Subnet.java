package dev.meshbox.launcher.backend;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;

/**
 * A loopback block {@code 127.X.0.0/16} owned by one mesh: its pods take {@code 127.X.0.N} (sidecars) and
 * {@code 127.X.1.N} (apps), so Istio's fixed ports (15000, 15001, 9080, ...) never clash between pods or between
 * meshes. Ownership is a listening socket on {@code 127.X.255.254}, which works across processes and is released
 * when the mesh closes or its JVM dies.
 */
public final class Subnet implements AutoCloseable {
    private static final int FIRST = 10;
    private static final int LAST = 250;
    private static final int LOCK_PORT = 15999;

    private final int block;
    private final ServerSocket lock;

    private Subnet(int block, ServerSocket lock) {
        this.block = block;
        this.lock = lock;
    }

    /** Claims the first free block. */
    public static Subnet claim() {
        for (int b = FIRST; b <= LAST; b++) {
            ServerSocket s = null;
            try {
                s = new ServerSocket();
                s.setReuseAddress(false);
                s.bind(new InetSocketAddress(InetAddress.getByName("127." + b + ".255.254"), LOCK_PORT));
                return new Subnet(b, s);
            } catch (IOException e) {
                closeQuietly(s);
            }
        }
        throw new IllegalStateException("no free loopback block 127.10-250.x.x for a mesh; are 240 meshes running?");
    }

    public InetAddress podIp(int n) {
        return address("127." + block + ".0." + n);
    }

    public InetAddress appIp(int n) {
        return address("127." + block + ".1." + n);
    }

    public int block() {
        return block;
    }

    private static InetAddress address(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void closeQuietly(ServerSocket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // nothing to release
            }
        }
    }

    @Override
    public void close() {
        closeQuietly(lock);
    }
}
