package dev.meshbox.proxy.endpoint;

import io.netty.channel.socket.SocketChannel;
import java.net.InetAddress;

/**
 * How upstream connections are made: the socket channel class matching the event loops (epoll or NIO), the
 * local address to connect from (the pod IP, or null for any), and the largest body aggregated.
 */
public record UpstreamTransport(
        Class<? extends SocketChannel> channelClass, InetAddress localAddress, int maxBodyBytes) {}
