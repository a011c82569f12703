package dev.meshbox.launcher.ui;

/** Whether the web UI's port is free on 127.0.0.1, checked before the mesh starts so a clash fails at once. */
public final class UiPort {

    private UiPort() {}

    public static boolean free(int port) {
        return !dev.meshbox.launcher.backend.LocalPorts.inUse(port);
    }
}
