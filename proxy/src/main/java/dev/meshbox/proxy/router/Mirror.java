package dev.meshbox.proxy.router;

import dev.meshbox.proxy.cluster.UpstreamCluster;
import dev.meshbox.proxy.endpoint.ConnectionPool;
import dev.meshbox.proxy.endpoint.Host;
import dev.meshbox.proxy.endpoint.ResponseListener;
import dev.meshbox.proxy.endpoint.UpstreamConnection;
import dev.meshbox.proxy.http.HeaderPolicy;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Set;
import java.util.random.RandomGenerator;

/** Sends a copy of a request to a shadow cluster and drops whatever comes back. */
final class Mirror {

    private Mirror() {}

    static void send(
            EventLoop loop,
            UpstreamCluster cluster,
            RandomGenerator random,
            FullHttpRequest request,
            String uri,
            HttpHeaders upstreamHeaders) {
        Host host = cluster.pick(random, Set.of(), 1);
        if (host == null) {
            return;
        }
        HttpHeaders headers = upstreamHeaders.copy();
        String authority = headers.get(HttpHeaderNames.HOST);
        if (authority != null && !authority.isEmpty()) {
            headers.set(HttpHeaderNames.HOST, HeaderPolicy.shadowHost(authority));
        }
        FullHttpRequest copy = new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1,
                request.method(),
                uri,
                request.content().retainedDuplicate(),
                headers,
                EmptyHttpHeaders.INSTANCE);
        cluster.stats().upstreamRqMirror.increment();
        host.pool(loop).newStream(new ConnectionPool.Callbacks() {
            @Override
            public void onReady(UpstreamConnection connection) {
                host.requestStarted();
                connection.send(copy, new ResponseListener() {
                    @Override
                    public void onResponse(UpstreamConnection c, FullHttpResponse response) {
                        boolean reusable = HttpUtil.isKeepAlive(response);
                        response.release();
                        host.requestFinished();
                        c.release(reusable);
                    }

                    @Override
                    public void onReset(UpstreamConnection c, Throwable cause) {
                        host.requestFinished();
                    }
                });
            }

            @Override
            public void onFailure(ConnectionPool.Failure failure, Throwable cause) {
                copy.release();
            }
        });
    }
}
