package dev.meshbox.launcher.image;

import io.netty.channel.epoll.Epoll;

/** Run inside a container by AppImageIT: says whether the sidecar would get native epoll there. */
public final class EpollProbe {

    private EpollProbe() {}

    public static void main(String[] args) {
        System.out.println("epoll available: " + Epoll.isAvailable());
        if (!Epoll.isAvailable()) {
            Epoll.unavailabilityCause().printStackTrace(System.out);
        }
    }
}
