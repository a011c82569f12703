package dev.meshbox.controlplane.gatewayapi;

import dev.meshbox.controlplane.config.KubeHttpRoute;
import dev.meshbox.controlplane.config.KubeHttpRoute.BackendRef;
import dev.meshbox.controlplane.config.KubeHttpRoute.Filter;
import dev.meshbox.controlplane.config.KubeHttpRoute.HeaderModifier;
import dev.meshbox.controlplane.config.KubeHttpRoute.Match;
import dev.meshbox.controlplane.config.KubeHttpRoute.Rule;
import dev.meshbox.controlplane.config.KubeHttpRoute.ValueMatch;
import dev.meshbox.controlplane.config.ReferenceGrant;
import dev.meshbox.controlplane.config.StringMatch;
import dev.meshbox.controlplane.config.VirtualService;
import dev.meshbox.controlplane.config.VirtualService.Destination;
import dev.meshbox.controlplane.config.VirtualService.HeaderOps;
import dev.meshbox.controlplane.config.VirtualService.Headers;
import dev.meshbox.controlplane.config.VirtualService.HttpMatch;
import dev.meshbox.controlplane.config.VirtualService.HttpRoute;
import dev.meshbox.controlplane.config.VirtualService.RouteDestination;
import dev.meshbox.controlplane.registry.ServiceRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One HTTPRoute's rules to internal HTTP routes, as Istio's {@code convertHTTPRoute}: a rule with several matches
 * becomes one route per match (so they can be sorted by precedence), filters become headers, redirect, rewrite and
 * mirror, a rule whose backends weigh 0 in total answers 500, and backends that do not resolve are kept (their
 * cluster does not exist, so Envoy answers 500) and reported in ResolvedRefs.
 */
final class RuleConverter {

    /** Why a route's refs do not resolve, with Istio's ResolvedRefs reasons; or why it is not accepted. */
    record Problem(String condition, String reason, String message) {}

    /** The routes of all rules, and the first problem met (Istio reports one). */
    record Result(List<HttpRoute> routes, Optional<Problem> problem) {}

    /** Where a backend that may not be referenced goes: a host no registry holds, so its cluster does not exist. */
    static final String NOT_PERMITTED_HOST = "ref-not-permitted.meshbox.invalid";

    private final ServiceRegistry.Snapshot registry;
    private final List<ReferenceGrant> grants;

    RuleConverter(ServiceRegistry.Snapshot registry, List<ReferenceGrant> grants) {
        this.registry = registry;
        this.grants = grants;
    }

    /** @param enforceGrants false for mesh (Service) parents, where Istio does not ask for a ReferenceGrant */
    Result convert(KubeHttpRoute route, boolean enforceGrants) {
        List<HttpRoute> out = new ArrayList<>();
        Problem problem = null;
        for (int i = 0; i < route.rules().size(); i++) {
            Rule rule = route.rules().get(i);
            String name = rule.name()
                    .orElse(route.meta().namespace() + "." + route.meta().name() + "." + i);
            List<Optional<Match>> matches = new ArrayList<>();
            rule.matches().forEach(m -> matches.add(Optional.of(m)));
            if (matches.isEmpty()) {
                matches.add(Optional.empty());
            }
            List<Problem> problems = new ArrayList<>();
            for (Optional<Match> m : matches) {
                out.add(convertRule(route, rule, name, m, enforceGrants, problems));
            }
            if (problem == null && !problems.isEmpty()) {
                problem = problems.get(0);
            }
        }
        return new Result(List.copyOf(out), Optional.ofNullable(problem));
    }

    private HttpRoute convertRule(
            KubeHttpRoute route,
            Rule rule,
            String name,
            Optional<Match> match,
            boolean enforceGrants,
            List<Problem> problems) {
        String ns = route.meta().namespace();
        HeaderOps request = HeaderOps.NONE;
        HeaderOps response = HeaderOps.NONE;
        Optional<VirtualService.Redirect> redirect = Optional.empty();
        Optional<VirtualService.Rewrite> rewrite = Optional.empty();
        List<VirtualService.Mirror> mirrors = new ArrayList<>();
        for (Filter f : rule.filters()) {
            if (f instanceof KubeHttpRoute.RequestHeaderModifier h) {
                request = ops(h.headers());
            } else if (f instanceof KubeHttpRoute.ResponseHeaderModifier h) {
                response = ops(h.headers());
            } else if (f instanceof KubeHttpRoute.RequestRedirect r) {
                redirect = Optional.of(redirect(r));
            } else if (f instanceof KubeHttpRoute.UrlRewrite u) {
                rewrite = rewrite(u);
            } else if (f instanceof KubeHttpRoute.RequestMirror m) {
                mirrors.add(
                        new VirtualService.Mirror(destination(m.backend(), ns, enforceGrants, problems), m.percent()));
            }
        }
        Optional<Duration> timeout = rule.requestTimeout().filter(d -> !d.isZero());
        // As Istio: without retries, backendRequest bounds the whole request.
        Optional<Duration> backend = rule.backendRequestTimeout().filter(d -> !d.isZero());
        if (backend.isPresent()) {
            timeout = backend;
        }
        List<RouteDestination> dests = new ArrayList<>();
        Optional<VirtualService.DirectResponse> direct = Optional.empty();
        long weightSum =
                rule.backendRefs().stream().mapToLong(BackendRef::weight).sum();
        if (weightSum == 0 && redirect.isEmpty()) {
            // "the spec requires us to return 500 when there are no >0 weight backends"
            direct = Optional.of(new VirtualService.DirectResponse(500, Optional.empty()));
        } else if (redirect.isEmpty()) {
            List<BackendRef> weighted =
                    rule.backendRefs().stream().filter(b -> b.weight() > 0).toList();
            for (BackendRef b : weighted) {
                Headers headers = Headers.NONE;
                for (Filter f : b.filters()) {
                    if (f instanceof KubeHttpRoute.RequestHeaderModifier h) {
                        headers = new Headers(ops(h.headers()), headers.response());
                    } else if (f instanceof KubeHttpRoute.ResponseHeaderModifier h) {
                        headers = new Headers(headers.request(), ops(h.headers()));
                    }
                }
                dests.add(new RouteDestination(
                        destination(b, ns, enforceGrants, problems),
                        weighted.size() == 1 ? Optional.empty() : Optional.of(b.weight()),
                        headers));
            }
        }
        return new HttpRoute(
                name,
                match.map(m -> List.of(match(m))).orElse(List.of()),
                List.copyOf(dests),
                redirect,
                direct,
                rewrite,
                timeout,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                List.copyOf(mirrors),
                Optional.empty(),
                new Headers(request, response),
                Optional.empty());
    }

    private Destination destination(
            BackendRef b, String routeNamespace, boolean enforceGrants, List<Problem> problems) {
        String ns = b.namespace().orElse(routeNamespace);
        if (!b.isService()) {
            problems.add(new Problem(
                    "ResolvedRefs",
                    "InvalidKind",
                    "referencing unsupported backendRef: group \"" + b.group() + "\" kind \"" + b.kind() + "\""));
            return new Destination(NOT_PERMITTED_HOST, Optional.empty(), b.port());
        }
        if (enforceGrants && !ns.equals(routeNamespace) && !granted(routeNamespace, ns, b.name())) {
            problems.add(new Problem(
                    "ResolvedRefs",
                    "RefNotPermitted",
                    "backendRef " + b.name() + "/" + ns + " not accessible to a HTTPRoute in namespace \""
                            + routeNamespace + "\" (missing a ReferenceGrant?)"));
            return new Destination(NOT_PERMITTED_HOST, Optional.empty(), b.port());
        }
        String fqdn = b.name() + "." + ns + ".svc.cluster.local";
        if (b.name().contains(".")) {
            problems.add(new Problem(
                    "Accepted",
                    "UnsupportedValue",
                    "service name invalid; the name of the Service must be used, not the hostname."));
        } else if (registry.resolve(fqdn, ns).isEmpty()) {
            problems.add(new Problem("ResolvedRefs", "BackendNotFound", "backend(" + fqdn + ") not found"));
        }
        return new Destination(fqdn, Optional.empty(), b.port());
    }

    private boolean granted(String fromNamespace, String toNamespace, String name) {
        return grants.stream()
                .filter(g -> g.meta().namespace().equals(toNamespace))
                .anyMatch(g -> g.permits("gateway.networking.k8s.io", "HTTPRoute", fromNamespace, "", "Service", name));
    }

    static HttpMatch match(Match m) {
        Optional<StringMatch> uri = m.path().map(p -> switch (p.type()) {
            case EXACT -> new StringMatch(StringMatch.Kind.EXACT, p.value());
            // "When specified, a trailing / is ignored."
            case PATH_PREFIX ->
                new StringMatch(
                        StringMatch.Kind.PREFIX,
                        p.value().equals("/") ? "/" : p.value().replaceAll("/$", ""));
            case REGULAR_EXPRESSION -> new StringMatch(StringMatch.Kind.REGEX, p.value());
        });
        return new HttpMatch(
                "",
                uri,
                Optional.empty(),
                m.method().map(x -> new StringMatch(StringMatch.Kind.EXACT, x)),
                Optional.empty(),
                values(m.headers()),
                Map.of(),
                values(m.queryParams()),
                Optional.empty(),
                Map.of(),
                List.of(),
                false,
                Optional.empty());
    }

    private static Map<String, StringMatch> values(List<ValueMatch> matches) {
        Map<String, StringMatch> out = new LinkedHashMap<>();
        for (ValueMatch v : matches) {
            out.put(v.name(), new StringMatch(v.regex() ? StringMatch.Kind.REGEX : StringMatch.Kind.EXACT, v.value()));
        }
        return out;
    }

    private static HeaderOps ops(HeaderModifier h) {
        return new HeaderOps(h.set(), h.add(), h.remove());
    }

    /**
     * As Istio's createRedirectFilter: the request's port is kept unless the filter names one, or changes the scheme
     * (then the scheme's default port); ReplacePrefixMatch replaces the matched prefix (Istio's {@code %PREFIX()%}).
     */
    private static VirtualService.Redirect redirect(KubeHttpRoute.RequestRedirect r) {
        Optional<String> full =
                r.path().filter(KubeHttpRoute.PathModifier::fullPath).map(KubeHttpRoute.PathModifier::value);
        Optional<String> prefix = r.path().filter(p -> !p.fullPath()).map(KubeHttpRoute.PathModifier::value);
        Optional<VirtualService.DerivePort> derive = r.port().isPresent()
                ? Optional.empty()
                : Optional.of(
                        r.scheme().isPresent()
                                ? VirtualService.DerivePort.FROM_PROTOCOL_DEFAULT
                                : VirtualService.DerivePort.FROM_REQUEST_PORT);
        return new VirtualService.Redirect(full, r.hostname(), r.port(), derive, r.scheme(), r.statusCode(), prefix);
    }

    private static Optional<VirtualService.Rewrite> rewrite(KubeHttpRoute.UrlRewrite u) {
        Optional<String> uri = Optional.empty();
        Optional<VirtualService.RegexRewrite> regex = Optional.empty();
        if (u.path().isPresent()) {
            KubeHttpRoute.PathModifier p = u.path().get();
            if (p.fullPath()) {
                // As Istio: the whole path, whatever matched, by a regex rewrite.
                regex = Optional.of(new VirtualService.RegexRewrite("/.*", p.value()));
            } else {
                String prefix = p.value().replaceAll("/$", "");
                uri = Optional.of(prefix.isEmpty() ? "/" : prefix);
            }
        }
        if (uri.isEmpty() && regex.isEmpty() && u.hostname().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new VirtualService.Rewrite(uri, u.hostname(), regex));
    }
}
