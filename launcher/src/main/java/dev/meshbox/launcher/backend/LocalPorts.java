package dev.meshbox.launcher.backend;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * Whether a fixed port on 127.0.0.1 is taken, checked before a mesh starts so a clash fails at once and by name. A
 * port is taken when something accepts connections on it, or when a bind with SO_REUSEADDR (as MeshBox's own servers
 * bind) fails. Connections of a mesh stopped a moment ago, lingering in TIME_WAIT, do not count: they would not stop
 * the servers from binding, and refusing the next {@code up} for a minute because of them was a false alarm.
 */
public final class LocalPorts {

    private LocalPorts() {}

    public static boolean inUse(int port) {
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException refused) {
            // nothing listening: see whether it could be bound
        }
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", port));
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
