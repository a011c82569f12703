package dev.meshbox.proxy;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/** Event loops for proxies: epoll where available, else NIO; and the channel classes that match a group. */
public final class ProxyEventLoops {

    private ProxyEventLoops() {}

    /** A group several proxies can share (pass it as {@link ProxyOptions#sharedEventLoop()}); daemon threads. */
    public static EventLoopGroup create(int threads, String name) {
        DefaultThreadFactory factory = new DefaultThreadFactory(name, true);
        return Epoll.isAvailable()
                ? new MultiThreadIoEventLoopGroup(threads, factory, EpollIoHandler.newFactory())
                : new MultiThreadIoEventLoopGroup(threads, factory, NioIoHandler.newFactory());
    }

    static boolean isEpoll(EventLoopGroup group) {
        EventLoop loop = group.next();
        return loop instanceof IoEventLoop io && io.isIoType(EpollIoHandler.class);
    }

    static Class<? extends SocketChannel> socketChannel(EventLoopGroup group) {
        return isEpoll(group) ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    static Class<? extends ServerChannel> serverChannel(EventLoopGroup group) {
        return isEpoll(group) ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }
}
