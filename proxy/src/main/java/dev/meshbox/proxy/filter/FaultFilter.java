package dev.meshbox.proxy.filter;

import dev.meshbox.proxy.http.HttpExchange;
import dev.meshbox.proxy.http.HttpFilter;
import dev.meshbox.proxy.http.LocalReply;
import dev.meshbox.proxy.http.ResponseFlag;
import dev.meshbox.proxy.random.RandomSource;
import dev.meshbox.proxy.route.FaultPolicy;
import dev.meshbox.proxy.route.FilterConfig;
import java.util.concurrent.TimeUnit;

/**
 * {@code envoy.filters.http.fault}: delays a share of requests (flag DI), then aborts a share with a status (flag
 * FI), from the route's config or else the connection manager's. Each draw is one of the request's random decisions,
 * so a seeded run replays the same faults.
 */
public final class FaultFilter implements HttpFilter {

    private final String name;
    private final FaultPolicy base;

    public FaultFilter(String name, FaultPolicy base) {
        this.name = name;
        this.base = base;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Status onRequest(HttpExchange exchange) {
        FaultPolicy fault = policy(exchange);
        if (fault.hasDelay() && draw(exchange, RandomSource.Decision.FAULT_DELAY) < fault.delayPerMillion()) {
            exchange.outcome().addFlag(ResponseFlag.DI);
            exchange.downstream()
                    .eventLoop()
                    .schedule(() -> afterDelay(exchange, fault), fault.delay().toNanos(), TimeUnit.NANOSECONDS);
            return Status.STOP;
        }
        return aborted(exchange, fault) ? Status.STOP : Status.CONTINUE;
    }

    private void afterDelay(HttpExchange exchange, FaultPolicy fault) {
        if (exchange.isDone()) {
            return;
        }
        if (!exchange.downstream().isOpen()) {
            exchange.abandon("downstream_remote_disconnect");
            return;
        }
        if (!aborted(exchange, fault)) {
            exchange.continueDecoding();
        }
    }

    private static boolean aborted(HttpExchange exchange, FaultPolicy fault) {
        if (fault.hasAbort() && draw(exchange, RandomSource.Decision.FAULT_ABORT) < fault.abortPerMillion()) {
            exchange.sendLocalReply(
                    fault.abortGrpcStatus() >= 0
                            ? LocalReply.faultAbortGrpc(fault.abortGrpcStatus())
                            : LocalReply.faultAbort(fault.abortStatus()));
            return true;
        }
        return false;
    }

    private FaultPolicy policy(HttpExchange exchange) {
        FilterConfig route = exchange.routeConfig(name);
        return route instanceof FaultPolicy p ? p : base;
    }

    private static int draw(HttpExchange exchange, RandomSource.Decision decision) {
        return exchange.random(decision, 0).nextInt(FaultPolicy.MILLION);
    }
}
