package dev.meshbox.launcher.ui;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Whether the web UI's port is free on 127.0.0.1, checked before the mesh starts so a clash fails at once. */
public final class UiPort {

    private UiPort() {
    }

    public static boolean free(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false); // with it, Linux lets the probe bind beside a live listener
            s.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
