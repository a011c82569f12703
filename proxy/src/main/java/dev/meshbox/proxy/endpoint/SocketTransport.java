package dev.meshbox.proxy.endpoint;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * HTTP/1.1 over TCP: the socket channel class matching the event loops (epoll or NIO), the local address to connect
 * from (the pod IP, or null for any), and the largest body aggregated.
 */
public record SocketTransport(Class<? extends SocketChannel> channelClass, InetAddress localAddress, int maxBodyBytes)
        implements UpstreamTransport {

    @Override
    public ChannelFuture connect(
            EventLoop loop, InetSocketAddress address, Duration connectTimeout, UpstreamConnection connection) {
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelClass)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        Math.max(1, Math.min(Integer.MAX_VALUE, connectTimeout.toMillis())))
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(new HttpClientCodec(), new HttpObjectAggregator(maxBodyBytes), connection);
                    }
                });
        return localAddress == null
                ? bootstrap.connect(address)
                : bootstrap.connect(address, new InetSocketAddress(localAddress, 0));
    }
}
