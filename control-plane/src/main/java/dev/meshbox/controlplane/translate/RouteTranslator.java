package dev.meshbox.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import com.google.protobuf.util.Durations;
import dev.meshbox.controlplane.config.StringMatch;
import dev.meshbox.controlplane.config.VirtualService;
import dev.meshbox.controlplane.config.VirtualService.HeaderOps;
import dev.meshbox.controlplane.config.VirtualService.HttpMatch;
import dev.meshbox.controlplane.config.VirtualService.HttpRoute;
import dev.meshbox.controlplane.config.VirtualService.RouteDestination;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.ServicePort;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One VirtualService HTTP rule to Envoy routes, the way Istio's {@code route.go} does it: one Envoy route per
 * match (first match wins, in order), Istio's defaults for timeout (off) and retries, and a fault turning the
 * route's timeout and retries off.
 */
final class RouteTranslator {

    /** Where the routes are being built: which proxy, gateway and port, for match filtering and defaults. */
    record Context(
            MeshView view, String gatewayName, int port, Map<String, String> proxyLabels, String proxyNamespace) {}

    static final String DEFAULT_RETRY_ON =
            "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";

    private RouteTranslator() {}

    /** Istio's route when no VirtualService exists: every request to the service's default cluster. */
    static Route defaultRoute(String cluster, List<RouteAction.HashPolicy> hashPolicy) {
        return RouteDecorators.decorate(defaultRouteUndecorated(cluster, hashPolicy), "", 0);
    }

    private static Route defaultRouteUndecorated(String cluster, List<RouteAction.HashPolicy> hashPolicy) {
        return Route.newBuilder()
                .setName("default")
                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(RouteAction.newBuilder()
                        .setCluster(cluster)
                        .setTimeout(Durations.fromSeconds(0))
                        .setRetryPolicy(defaultRetryPolicy())
                        .addAllHashPolicy(hashPolicy))
                .build();
    }

    static RetryPolicy defaultRetryPolicy() {
        return RetryPolicy.newBuilder()
                .setRetryOn(DEFAULT_RETRY_ON)
                .setNumRetries(UInt32Value.of(2))
                .addRetryHostPredicate(RetryPolicy.RetryHostPredicate.newBuilder()
                        .setName("envoy.retry_host_predicates.previous_hosts")
                        .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3
                                .PreviousHostsPredicate.getDefaultInstance())))
                .setHostSelectionRetryMaxAttempts(5)
                .build();
    }

    /** The Envoy routes of one VirtualService, in order; rules filtered out by port, gateway or source labels vanish. */
    static List<Route> routes(Context ctx, VirtualService vs, XdsResources.Builder out) {
        List<Route> routes = new ArrayList<>();
        for (int i = 0; i < vs.http().size(); i++) {
            HttpRoute rule = vs.http().get(i);
            Optional<Route.Builder> action = action(ctx, vs, rule, i, out);
            if (action.isEmpty()) {
                continue;
            }
            if (rule.match().isEmpty()) {
                routes.add(RouteDecorators.decorate(
                        action.get()
                                .clone()
                                .setName(rule.name())
                                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                .build(),
                        vs.meta().name(),
                        ctx.port()));
                continue;
            }
            for (HttpMatch m : rule.match()) {
                if (!applies(ctx, m)) {
                    continue;
                }
                String name = m.name().isEmpty()
                        ? rule.name()
                        : rule.name().isEmpty() ? m.name() : rule.name() + "." + m.name();
                Route.Builder route = action.get()
                        .clone()
                        .setName(name)
                        .setMatch(match(m, vs.meta().gatewaySemantics()));
                routes.add(RouteDecorators.decorate(
                        (vs.meta().gatewaySemantics() ? GatewaySemantics.stripPrefix(route) : route).build(),
                        vs.meta().name(),
                        ctx.port()));
            }
        }
        return routes;
    }

    private static boolean applies(Context ctx, HttpMatch m) {
        if (m.port().isPresent() && m.port().get() != ctx.port()) {
            return false;
        }
        if (!m.gateways().isEmpty() && !m.gateways().contains(ctx.gatewayName())) {
            return false;
        }
        if (m.sourceNamespace().isPresent() && !m.sourceNamespace().get().equals(ctx.proxyNamespace())) {
            return false;
        }
        return m.sourceLabels().entrySet().stream()
                .allMatch(e -> e.getValue().equals(ctx.proxyLabels().get(e.getKey())));
    }

    static RouteMatch match(HttpMatch m) {
        return match(m, false);
    }

    /**
     * @param gatewaySemantics a route converted from an HTTPRoute: as Istio, its prefixes match whole path segments
     *     ({@code /api} matches {@code /api} and {@code /api/x}, not {@code /apix})
     */
    static RouteMatch match(HttpMatch m, boolean gatewaySemantics) {
        RouteMatch.Builder b = RouteMatch.newBuilder();
        if (m.uri().isEmpty()) {
            b.setPrefix("/");
        } else {
            StringMatch uri = m.uri().get();
            switch (uri.kind()) {
                case EXACT -> b.setPath(uri.value());
                case PREFIX -> {
                    if (gatewaySemantics && !uri.value().equals("/")) {
                        b.setPathSeparatedPrefix(uri.value().replaceAll("/+$", ""));
                    } else {
                        b.setPrefix(uri.value());
                    }
                }
                case PRESENT -> b.setPrefix("/");
                default -> b.setSafeRegex(RegexMatcher.newBuilder().setRegex(uri.value()));
            }
        }
        b.setCaseSensitive(com.google.protobuf.BoolValue.of(!m.ignoreUriCase()));
        m.method().ifPresent(s -> b.addHeaders(header(":method", s, false)));
        m.authority().ifPresent(s -> b.addHeaders(header(":authority", s, false)));
        m.scheme().ifPresent(s -> b.addHeaders(header(":scheme", s, false)));
        m.headers().forEach((name, s) -> b.addHeaders(header(name, s, false)));
        m.withoutHeaders().forEach((name, s) -> b.addHeaders(header(name, s, true)));
        m.queryParams()
                .forEach((name, s) -> b.addQueryParameters(
                        s.kind() == StringMatch.Kind.PRESENT
                                ? QueryParameterMatcher.newBuilder()
                                        .setName(name)
                                        .setPresentMatch(true)
                                        .build()
                                : QueryParameterMatcher.newBuilder()
                                        .setName(name)
                                        .setStringMatch(stringMatcher(s))
                                        .build()));
        return b.build();
    }

    /**
     * As Istio's {@code TranslateRouteMatch}: a {@code withoutHeaders} entry inverts the match and treats a missing
     * header as empty, so a request without the header is not excluded by it.
     */
    private static HeaderMatcher header(String name, StringMatch s, boolean invert) {
        HeaderMatcher.Builder b = HeaderMatcher.newBuilder().setName(name).setInvertMatch(invert);
        if (s.kind() == StringMatch.Kind.PRESENT) {
            return b.setPresentMatch(true).build();
        }
        return b.setStringMatch(stringMatcher(s))
                .setTreatMissingHeaderAsEmpty(invert)
                .build();
    }

    static StringMatcher stringMatcher(StringMatch s) {
        return switch (s.kind()) {
            case PRESENT ->
                StringMatcher.newBuilder()
                        .setSafeRegex(RegexMatcher.newBuilder().setRegex("(?s).*"))
                        .build();
            case EXACT -> StringMatcher.newBuilder().setExact(s.value()).build();
            case PREFIX -> StringMatcher.newBuilder().setPrefix(s.value()).build();
            default ->
                StringMatcher.newBuilder()
                        .setSafeRegex(RegexMatcher.newBuilder().setRegex(s.value()))
                        .build();
        };
    }

    /** The route without its match: action, headers, fault and metadata. Empty when no destination resolves. */
    private static Optional<Route.Builder> action(
            Context ctx, VirtualService vs, HttpRoute rule, int index, XdsResources.Builder out) {
        Route.Builder r = Route.newBuilder();
        r.setMetadata(Metadata.newBuilder()
                .putFilterMetadata(
                        "istio",
                        Struct.newBuilder()
                                .putFields(
                                        "config",
                                        Value.newBuilder()
                                                .setStringValue("/apis/networking.istio.io/v1/namespaces/"
                                                        + vs.meta().namespace() + "/virtual-service/"
                                                        + vs.meta().name())
                                                .build())
                                .putFields(
                                        "rule",
                                        Value.newBuilder()
                                                .setStringValue("spec.http[" + index + "]")
                                                .build())
                                .build()));
        headers(rule.headers().request(), true, r);
        headers(rule.headers().response(), false, r);
        rule.corsPolicy().ifPresent(c -> r.putTypedPerFilterConfig(CorsTranslator.FILTER, CorsTranslator.policy(c)));
        if (rule.directResponse().isPresent()) {
            VirtualService.DirectResponse d = rule.directResponse().get();
            DirectResponseAction.Builder a = DirectResponseAction.newBuilder().setStatus(d.status());
            d.body().ifPresent(body -> a.setBody(DataSource.newBuilder().setInlineString(body)));
            return Optional.of(r.setDirectResponse(a));
        }
        if (rule.redirect().isPresent()) {
            return Optional.of(
                    r.setRedirect(RedirectTranslator.redirect(rule.redirect().get(), ctx.port(), false)));
        }
        RouteAction.Builder a = RouteAction.newBuilder();
        if (vs.meta().gatewaySemantics()) {
            // As Istio for HTTPRoutes: a backend that does not exist answers 500, not 503.
            a.setClusterNotFoundResponseCode(RouteAction.ClusterNotFoundResponseCode.INTERNAL_SERVER_ERROR);
        }
        List<RouteDestination> dests = rule.route().stream()
                .filter(d -> rule.route().size() == 1 || d.weight().orElse(0) > 0)
                .toList();
        String where = vs.meta().display() + " spec.http[" + index + "]";
        if (dests.size() == 1) {
            Optional<String> cluster = cluster(ctx, vs, dests.get(0).destination(), where, out);
            if (cluster.isEmpty()) {
                return Optional.empty();
            }
            a.setCluster(cluster.get());
            headers(dests.get(0).headers().request(), true, r);
            headers(dests.get(0).headers().response(), false, r);
        } else {
            WeightedCluster.Builder w = WeightedCluster.newBuilder();
            for (RouteDestination d : dests) {
                Optional<String> cluster = cluster(ctx, vs, d.destination(), where, out);
                if (cluster.isEmpty()) {
                    return Optional.empty();
                }
                WeightedCluster.ClusterWeight.Builder cw = WeightedCluster.ClusterWeight.newBuilder()
                        .setName(cluster.get())
                        .setWeight(UInt32Value.of(d.weight().orElse(0)))
                        .addAllRequestHeadersToAdd(
                                HeaderOperations.toAdd(d.headers().request()))
                        .addAllRequestHeadersToRemove(
                                HeaderOperations.toRemove(d.headers().request()))
                        .addAllResponseHeadersToAdd(
                                HeaderOperations.toAdd(d.headers().response()))
                        .addAllResponseHeadersToRemove(
                                HeaderOperations.toRemove(d.headers().response()));
                HostRewrite.onClusterWeight(d, cw);
                w.addClusters(cw);
            }
            a.setWeightedClusters(w);
        }
        hashPolicy(ctx, vs, dests).forEach(a::addHashPolicy);
        HostRewrite.onRoute(rule, dests.size() == 1 ? Optional.of(dests.get(0)) : Optional.empty(), a);
        rule.rewrite().ifPresent(rw -> RewriteTranslator.apply(rw, a));
        if (rule.fault().isPresent()) {
            // As Istio: a route with a fault gets no timeout and no retries, so the fault is seen as configured.
            a.setTimeout(Durations.fromSeconds(0));
            grpcTimeout(a);
            r.putTypedPerFilterConfig(
                    Names.FAULT, Any.pack(RoutePolicies.fault(rule.fault().get())));
        } else {
            a.setTimeout(rule.timeout().map(ClusterTranslator::protoDuration).orElse(Durations.fromSeconds(0)));
            grpcTimeout(a);
            RoutePolicies.retry(rule.retries()).ifPresent(a::setRetryPolicy);
        }
        a.addAllRequestMirrorPolicies(Mirrors.policies(ctx, vs, rule, where, out));
        return Optional.of(r.setRoute(a));
    }

    /**
     * As Istio's {@code setTimeout}: {@code max_grpc_timeout} is the route's timeout (0 when none), so that a gRPC
     * client's {@code grpc-timeout} is the deadline, capped by the VirtualService's timeout when it has one.
     */
    @SuppressWarnings("deprecation") // the field Istio writes; its replacement max_stream_duration regressed there
    private static void grpcTimeout(RouteAction.Builder a) {
        a.setMaxGrpcTimeout(a.getTimeout());
    }

    /**
     * Consistent hashing lives on the route in Envoy but in the DestinationRule in Istio: as Istio does, the route
     * gets the hash policy of its destination's traffic policy (the first destination's, for a weighted route).
     */
    private static List<RouteAction.HashPolicy> hashPolicy(
            Context ctx, VirtualService vs, List<RouteDestination> dests) {
        if (dests.isEmpty()) {
            return List.of();
        }
        VirtualService.Destination d = dests.get(0).destination();
        return ctx.view()
                .registry()
                .resolve(d.host(), vs.meta().namespace())
                .map(service -> hashPolicy(ctx.view(), service, d.subset()))
                .orElse(List.of());
    }

    /** The hash policy of a service's (or subset's) DestinationRule load balancer, if it hashes. */
    static List<RouteAction.HashPolicy> hashPolicy(MeshView view, MeshService service, Optional<String> subset) {
        Optional<dev.meshbox.controlplane.config.DestinationRule.ConsistentHash> hash = view.destinationRule(service)
                .flatMap(dr -> subset.flatMap(dr::subset)
                        .flatMap(dev.meshbox.controlplane.config.DestinationRule.Subset::trafficPolicy)
                        .flatMap(p -> p.loadBalancer())
                        .or(() -> dr.trafficPolicy().flatMap(p -> p.loadBalancer())))
                .flatMap(lb -> lb.consistentHash());
        if (hash.isEmpty()) {
            return List.of();
        }
        var h = hash.get();
        RouteAction.HashPolicy.Builder p = RouteAction.HashPolicy.newBuilder();
        if (h.httpHeaderName().isPresent()) {
            p.setHeader(RouteAction.HashPolicy.Header.newBuilder()
                    .setHeaderName(h.httpHeaderName().get()));
        } else if (h.httpCookie().isPresent()) {
            var c = h.httpCookie().get();
            RouteAction.HashPolicy.Cookie.Builder cookie =
                    RouteAction.HashPolicy.Cookie.newBuilder().setName(c.name());
            c.path().ifPresent(cookie::setPath);
            c.ttl().ifPresent(t -> cookie.setTtl(ClusterTranslator.protoDuration(t)));
            p.setCookie(cookie);
        } else if (h.useSourceIp()) {
            p.setConnectionProperties(
                    RouteAction.HashPolicy.ConnectionProperties.newBuilder().setSourceIp(true));
        } else if (h.httpQueryParameterName().isPresent()) {
            p.setQueryParameter(RouteAction.HashPolicy.QueryParameter.newBuilder()
                    .setName(h.httpQueryParameterName().get()));
        } else {
            return List.of();
        }
        return List.of(p.build());
    }

    /** Istio writes percentages as parts per million so fractions like 0.1 % survive. */
    static FractionalPercent fraction(double percent) {
        return FractionalPercent.newBuilder()
                .setNumerator((int) Math.round(percent * 10_000))
                .setDenominator(FractionalPercent.DenominatorType.MILLION)
                .build();
    }

    private static void headers(HeaderOps ops, boolean request, Route.Builder r) {
        if (request) {
            r.addAllRequestHeadersToAdd(HeaderOperations.toAdd(ops))
                    .addAllRequestHeadersToRemove(HeaderOperations.toRemove(ops));
        } else {
            r.addAllResponseHeadersToAdd(HeaderOperations.toAdd(ops))
                    .addAllResponseHeadersToRemove(HeaderOperations.toRemove(ops));
        }
    }

    /** The cluster a destination names, or empty (with a warning) when the host or port is unknown. */
    static Optional<String> cluster(
            Context ctx, VirtualService vs, VirtualService.Destination d, String where, XdsResources.Builder out) {
        Optional<MeshService> service =
                ctx.view().registry().resolve(d.host(), vs.meta().namespace());
        if (service.isEmpty() && vs.meta().gatewaySemantics()) {
            // Istio keeps an HTTPRoute's unresolved backend: its cluster does not exist, so Envoy answers 500; the
            // route's status (ResolvedRefs=False) says why.
            return Optional.of(Names.outboundCluster(d.port().orElse(ctx.port()), "", d.host()));
        }
        if (service.isEmpty()) {
            out.warn(where + ": destination host \"" + d.host()
                    + "\" is not a service in the mesh (IST0101); the route is left out");
            return Optional.empty();
        }
        MeshService s = service.get();
        Optional<ServicePort> port = d.port()
                .flatMap(p -> s.ports().stream().filter(sp -> sp.port() == p).findFirst());
        if (d.port().isPresent() && port.isEmpty()) {
            out.warn(
                    where + ": service " + s.fqdn() + " has no port " + d.port().get());
            return Optional.empty();
        }
        if (port.isEmpty()) {
            port = s.ports().size() == 1
                    ? Optional.of(s.ports().get(0))
                    : s.ports().stream().filter(sp -> sp.port() == ctx.port()).findFirst();
        }
        if (port.isEmpty()) {
            out.warn(where + ": service " + s.fqdn() + " has several ports; the destination must name one (IST0112)");
            return Optional.empty();
        }
        String subset = d.subset().orElse("");
        if (!subset.isEmpty()) {
            boolean known = ctx.view()
                    .destinationRule(s)
                    .flatMap(dr -> dr.subset(subset))
                    .isPresent();
            if (!known) {
                out.warn(where + ": subset \"" + subset + "\" of " + s.fqdn()
                        + " is not defined by any DestinationRule (IST0101); requests get 503 NC");
            }
        }
        return Optional.of(Names.outboundCluster(port.get().port(), subset, s.fqdn()));
    }
}
