package dev.meshbox.proxy.spec;

import dev.meshbox.proxy.route.FaultPolicy;
import dev.meshbox.proxy.route.FilterConfig;
import dev.meshbox.proxy.route.HashPolicy;
import dev.meshbox.proxy.route.HeaderMatcher;
import dev.meshbox.proxy.route.HeaderMutations;
import dev.meshbox.proxy.route.MirrorPolicy;
import dev.meshbox.proxy.route.PathMatcher;
import dev.meshbox.proxy.route.QueryParameterMatcher;
import dev.meshbox.proxy.route.RegexRewrite;
import dev.meshbox.proxy.route.RetryPolicy;
import dev.meshbox.proxy.route.Route;
import dev.meshbox.proxy.route.RouteAction;
import dev.meshbox.proxy.route.RouteMatch;
import dev.meshbox.proxy.route.RouteTable;
import dev.meshbox.proxy.route.StringMatch;
import dev.meshbox.proxy.route.VirtualHost;
import dev.meshbox.proxy.route.WeightedClusters;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Turns an xDS {@code RouteConfiguration} into a {@link RouteTable}, once per update. Every problem is an
 * {@link IllegalArgumentException} whose message names the route configuration, the field and the expectation,
 * so the xDS client can NACK with it.
 */
public final class RouteConverter {

    public static final String PREVIOUS_HOSTS = "envoy.retry_host_predicates.previous_hosts";
    /** Envoy's route timeout when a route does not set one. */
    public static final Duration DEFAULT_ROUTE_TIMEOUT = Duration.ofSeconds(15);

    private RouteConverter() {}

    public static RouteTable convert(RouteConfiguration config) {
        return convert(config, HttpFilterTypes.builtIn());
    }

    /** As {@link #convert(RouteConfiguration)}, reading per-filter configs with {@code filters}. */
    public static RouteTable convert(RouteConfiguration config, HttpFilterTypes filters) {
        String where = "route_config " + config.getName();
        Map<String, FilterConfig> configLevel = filters.parseOverrides(config.getTypedPerFilterConfigMap(), where);
        List<VirtualHost> hosts = new ArrayList<>();
        for (int v = 0; v < config.getVirtualHostsCount(); v++) {
            var vh = config.getVirtualHosts(v);
            String vhWhere = where + ": virtual_hosts[" + v + "] (" + vh.getName() + ")";
            if (vh.getDomainsCount() == 0) {
                throw new IllegalArgumentException(vhWhere + ".domains: must not be empty");
            }
            RetryPolicy hostRetry = vh.hasRetryPolicy() ? retry(vh.getRetryPolicy(), vhWhere + ".retry_policy") : null;
            Map<String, FilterConfig> hostLevel =
                    merged(filters.parseOverrides(vh.getTypedPerFilterConfigMap(), vhWhere), configLevel);
            List<Route> routes = new ArrayList<>();
            for (int r = 0; r < vh.getRoutesCount(); r++) {
                routes.add(route(vh.getRoutes(r), vhWhere + ".routes[" + r + "]", hostRetry, hostLevel, filters));
            }
            if (vh.getRequireTls() != io.envoyproxy.envoy.config.route.v3.VirtualHost.TlsRequirementType.NONE) {
                // Envoy answers a request that did not come over TLS with 301 to https://. Istio sets require_tls
                // only on the virtual hosts of plain-text gateway servers (httpsRedirect), whose route configuration
                // no TLS chain shares: every request reaching them came in plain text.
                routes.add(
                        0,
                        new Route(
                                "require_tls",
                                RouteMatch.prefix("/"),
                                new RouteAction.Redirect("https", "", 0, null, null, 301, false),
                                null,
                                null));
            }
            hosts.add(new VirtualHost(vh.getName(), vh.getDomainsList(), routes));
        }
        return new RouteTable(config.getName(), hosts, config.getIgnorePortInHostMatching());
    }

    private static Route route(
            io.envoyproxy.envoy.config.route.v3.Route proto,
            String where,
            RetryPolicy hostRetry,
            Map<String, FilterConfig> hostLevel,
            HttpFilterTypes filters) {
        RouteMatch match = match(proto.getMatch(), where + ".match");
        Map<String, FilterConfig> filterConfigs =
                merged(filters.parseOverrides(proto.getTypedPerFilterConfigMap(), where), hostLevel);
        RouteAction action = switch (proto.getActionCase()) {
            case ROUTE -> forward(proto.getRoute(), where + ".route", hostRetry);
            case DIRECT_RESPONSE ->
                new RouteAction.DirectResponse(proto.getDirectResponse().getStatus(), body(proto.getDirectResponse()));
            case REDIRECT -> {
                if (proto.getRedirect().hasRegexRewrite()) {
                    // Not served; refusing it beats redirecting to the unrewritten path.
                    throw new IllegalArgumentException(where + ".redirect.regex_rewrite: is not supported");
                }
                yield redirect(proto.getRedirect());
            }
            default ->
                throw new IllegalArgumentException(where + ": action " + proto.getActionCase()
                        + " is not supported (expected route, redirect or direct_response)");
        };
        if (action instanceof RouteAction.DirectResponse d && (d.status() < 200 || d.status() > 599)) {
            throw new IllegalArgumentException(
                    where + ".direct_response.status: must be in [200, 599], got " + d.status());
        }
        HeaderMutations headers = HeaderMutationsConverter.convert(
                proto.getRequestHeadersToAddList(),
                proto.getRequestHeadersToRemoveList(),
                proto.getResponseHeadersToAddList(),
                proto.getResponseHeadersToRemoveList(),
                where);
        return new Route(
                proto.getName(),
                match,
                action,
                headers,
                filterConfigs,
                proto.hasDecorator() ? proto.getDecorator().getOperation() : "");
    }

    /** Per-filter configs of one level over those of the less specific level, as Envoy resolves them. */
    private static Map<String, FilterConfig> merged(
            Map<String, FilterConfig> specific, Map<String, FilterConfig> lessSpecific) {
        if (specific.isEmpty()) {
            return lessSpecific;
        }
        if (lessSpecific.isEmpty()) {
            return specific;
        }
        Map<String, FilterConfig> out = new HashMap<>(lessSpecific);
        specific.forEach((name, config) -> out.merge(name, config, (less, more) -> more.mergedOver(less)));
        return out;
    }

    private static String body(io.envoyproxy.envoy.config.route.v3.DirectResponseAction direct) {
        if (!direct.hasBody()) {
            return "";
        }
        var body = direct.getBody();
        return switch (body.getSpecifierCase()) {
            case INLINE_STRING -> body.getInlineString();
            case INLINE_BYTES -> body.getInlineBytes().toStringUtf8();
            default -> "";
        };
    }

    static RouteMatch match(io.envoyproxy.envoy.config.route.v3.RouteMatch proto, String where) {
        PathMatcher path = switch (proto.getPathSpecifierCase()) {
            case PREFIX -> new PathMatcher.Prefix(proto.getPrefix());
            case PATH -> new PathMatcher.Exact(proto.getPath());
            case SAFE_REGEX -> new PathMatcher.Regex(regex(proto.getSafeRegex(), where + ".safe_regex"));
            case PATH_SEPARATED_PREFIX -> new PathMatcher.SegmentPrefix(proto.getPathSeparatedPrefix());
            default ->
                throw new IllegalArgumentException(where + ": path specifier " + proto.getPathSpecifierCase()
                        + " is not supported (expected prefix, path, safe_regex or path_separated_prefix)");
        };
        boolean caseSensitive =
                !proto.hasCaseSensitive() || proto.getCaseSensitive().getValue();
        List<HeaderMatcher> headers = new ArrayList<>();
        for (int i = 0; i < proto.getHeadersCount(); i++) {
            headers.add(header(proto.getHeaders(i), where + ".headers[" + i + "]"));
        }
        List<QueryParameterMatcher> params = new ArrayList<>();
        for (int i = 0; i < proto.getQueryParametersCount(); i++) {
            var q = proto.getQueryParameters(i);
            String qWhere = where + ".query_parameters[" + i + "]";
            if (q.getName().isEmpty()) {
                throw new IllegalArgumentException(qWhere + ".name: must not be empty");
            }
            StringMatch m = q.hasStringMatch() ? stringMatch(q.getStringMatch(), qWhere + ".string_match") : null;
            if (m == null && !q.getPresentMatch()) {
                throw new IllegalArgumentException(qWhere + ": needs string_match or present_match: true");
            }
            params.add(new QueryParameterMatcher(q.getName(), m));
        }
        return new RouteMatch(path, caseSensitive, headers, params);
    }

    static HeaderMatcher header(io.envoyproxy.envoy.config.route.v3.HeaderMatcher h, String where) {
        if (h.getName().isEmpty()) {
            throw new IllegalArgumentException(where + ".name: must not be empty");
        }
        StringMatch match = null;
        Boolean present = null;
        switch (h.getHeaderMatchSpecifierCase()) {
            case EXACT_MATCH -> match = StringMatch.exact(h.getExactMatch());
            case PREFIX_MATCH -> match = StringMatch.prefix(h.getPrefixMatch());
            case SUFFIX_MATCH -> match = StringMatch.suffix(h.getSuffixMatch());
            case CONTAINS_MATCH -> match = StringMatch.contains(h.getContainsMatch());
            case SAFE_REGEX_MATCH ->
                match = new StringMatch(
                        StringMatch.Kind.REGEX,
                        h.getSafeRegexMatch().getRegex(),
                        regex(h.getSafeRegexMatch(), where + ".safe_regex_match"),
                        false);
            case STRING_MATCH -> match = stringMatch(h.getStringMatch(), where + ".string_match");
            case PRESENT_MATCH -> present = h.getPresentMatch();
            case HEADERMATCHSPECIFIER_NOT_SET -> present = true;
            default ->
                throw new IllegalArgumentException(
                        where + ": " + h.getHeaderMatchSpecifierCase() + " is not supported");
        }
        return new HeaderMatcher(h.getName(), match, present, h.getInvertMatch(), h.getTreatMissingHeaderAsEmpty());
    }

    static StringMatch stringMatch(io.envoyproxy.envoy.type.matcher.v3.StringMatcher m, String where) {
        boolean ic = m.getIgnoreCase();
        return switch (m.getMatchPatternCase()) {
            case EXACT -> new StringMatch(StringMatch.Kind.EXACT, m.getExact(), null, ic);
            case PREFIX ->
                new StringMatch(StringMatch.Kind.PREFIX, nonEmpty(m.getPrefix(), where + ".prefix"), null, ic);
            case SUFFIX ->
                new StringMatch(StringMatch.Kind.SUFFIX, nonEmpty(m.getSuffix(), where + ".suffix"), null, ic);
            case CONTAINS ->
                new StringMatch(StringMatch.Kind.CONTAINS, nonEmpty(m.getContains(), where + ".contains"), null, ic);
            case SAFE_REGEX ->
                new StringMatch(
                        StringMatch.Kind.REGEX,
                        m.getSafeRegex().getRegex(),
                        regex(m.getSafeRegex(), where + ".safe_regex"),
                        false);
            default -> throw new IllegalArgumentException(where + ": " + m.getMatchPatternCase() + " is not supported");
        };
    }

    private static String nonEmpty(String value, String where) {
        if (value.isEmpty()) {
            throw new IllegalArgumentException(where + ": must not be empty");
        }
        return value;
    }

    static Pattern regex(RegexMatcher matcher, String where) {
        try {
            return Pattern.compile(matcher.getRegex());
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(
                    where + ".regex: invalid regular expression '" + matcher.getRegex() + "': " + e.getDescription(),
                    e);
        }
    }

    private static RouteAction.Forward forward(
            io.envoyproxy.envoy.config.route.v3.RouteAction a, String where, RetryPolicy hostRetry) {
        Duration timeout = a.hasTimeout() ? duration(a.getTimeout()) : DEFAULT_ROUTE_TIMEOUT;
        @SuppressWarnings("deprecation") // Istio still writes the deprecated field; max_stream_duration is not read yet
        Duration maxGrpc = a.hasMaxGrpcTimeout() ? duration(a.getMaxGrpcTimeout()) : null;
        RetryPolicy retry = a.hasRetryPolicy()
                ? retry(a.getRetryPolicy(), where + ".retry_policy")
                : hostRetry != null ? hostRetry : RetryPolicy.NONE;
        List<MirrorPolicy> mirrors = new ArrayList<>();
        for (var m : a.getRequestMirrorPoliciesList()) {
            mirrors.add(new MirrorPolicy(
                    m.getCluster(), m.hasRuntimeFraction() ? perMillion(m.getRuntimeFraction()) : FaultPolicy.MILLION));
        }
        String prefixRewrite = a.getPrefixRewrite().isEmpty() ? null : a.getPrefixRewrite();
        RegexRewrite regexRewrite =
                a.hasRegexRewrite() ? regexRewrite(a.getRegexRewrite(), where + ".regex_rewrite") : null;
        if (prefixRewrite != null && regexRewrite != null) {
            // Envoy refuses the route as well.
            throw new IllegalArgumentException(where + ": only one of prefix_rewrite and regex_rewrite may be set");
        }
        String hostRewrite = a.getHostRewriteLiteral().isEmpty() ? null : a.getHostRewriteLiteral();
        List<HashPolicy> hashPolicies = hashPolicies(a, where);
        int notFound = switch (a.getClusterNotFoundResponseCode()) {
            case NOT_FOUND -> 404;
            case INTERNAL_SERVER_ERROR -> 500;
            default -> 503;
        };
        return switch (a.getClusterSpecifierCase()) {
            case CLUSTER ->
                new RouteAction.Forward(
                        nonEmpty(a.getCluster(), where + ".cluster"),
                        null,
                        timeout,
                        retry,
                        mirrors,
                        prefixRewrite,
                        regexRewrite,
                        hostRewrite,
                        hashPolicies,
                        notFound,
                        maxGrpc);
            case WEIGHTED_CLUSTERS ->
                new RouteAction.Forward(
                        null,
                        weighted(a.getWeightedClusters(), where),
                        timeout,
                        retry,
                        mirrors,
                        prefixRewrite,
                        regexRewrite,
                        hostRewrite,
                        hashPolicies,
                        notFound,
                        maxGrpc);
            default ->
                throw new IllegalArgumentException(where + ": cluster specifier " + a.getClusterSpecifierCase()
                        + " is not supported (expected cluster or weighted_clusters)");
        };
    }

    static List<HashPolicy> hashPolicies(io.envoyproxy.envoy.config.route.v3.RouteAction a, String where) {
        List<HashPolicy> out = new ArrayList<>();
        for (int i = 0; i < a.getHashPolicyCount(); i++) {
            var p = a.getHashPolicy(i);
            String at = where + ".hash_policy[" + i + "]";
            out.add(
                    switch (p.getPolicySpecifierCase()) {
                        case HEADER ->
                            new HashPolicy.Header(
                                    nonEmpty(p.getHeader().getHeaderName(), at + ".header.header_name")
                                            .toLowerCase(java.util.Locale.ROOT),
                                    p.getTerminal());
                        case COOKIE ->
                            new HashPolicy.Cookie(
                                    nonEmpty(p.getCookie().getName(), at + ".cookie.name"),
                                    p.getCookie().hasTtl()
                                            ? duration(p.getCookie().getTtl())
                                            : null,
                                    p.getCookie().getPath().isEmpty()
                                            ? null
                                            : p.getCookie().getPath(),
                                    p.getTerminal());
                        case CONNECTION_PROPERTIES -> {
                            if (!p.getConnectionProperties().getSourceIp()) {
                                throw new IllegalArgumentException(
                                        at + ".connection_properties.source_ip: must be true");
                            }
                            yield new HashPolicy.SourceIp(p.getTerminal());
                        }
                        case QUERY_PARAMETER ->
                            new HashPolicy.QueryParameter(
                                    nonEmpty(p.getQueryParameter().getName(), at + ".query_parameter.name"),
                                    p.getTerminal());
                        default ->
                            throw new IllegalArgumentException(
                                    at + ": " + p.getPolicySpecifierCase()
                                            + " is not supported (expected header, cookie, connection_properties or query_parameter)");
                    });
        }
        return out;
    }

    private static WeightedClusters weighted(WeightedCluster w, String where) {
        List<String> names = new ArrayList<>();
        List<Integer> weights = new ArrayList<>();
        List<HeaderMutations> headers = new ArrayList<>();
        List<String> hostRewrites = new ArrayList<>();
        for (int i = 0; i < w.getClustersCount(); i++) {
            var c = w.getClusters(i);
            String at = where + ".weighted_clusters.clusters[" + i + "]";
            names.add(nonEmpty(c.getName(), at + ".name"));
            weights.add(c.hasWeight() ? c.getWeight().getValue() : 0);
            hostRewrites.add(c.getHostRewriteLiteral().isEmpty() ? null : c.getHostRewriteLiteral());
            headers.add(HeaderMutationsConverter.convert(
                    c.getRequestHeadersToAddList(),
                    c.getRequestHeadersToRemoveList(),
                    c.getResponseHeadersToAddList(),
                    c.getResponseHeadersToRemoveList(),
                    at));
        }
        try {
            return WeightedClusters.of(names, weights, headers, hostRewrites);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    /** A {@code RegexMatchAndSubstitute}: the pattern must compile and the substitution name only its groups. */
    static RegexRewrite regexRewrite(RegexMatchAndSubstitute r, String where) {
        if (!r.hasPattern()) {
            throw new IllegalArgumentException(where + ".pattern: is required");
        }
        try {
            return RegexRewrite.of(regex(r.getPattern(), where + ".pattern"), r.getSubstitution());
        } catch (IllegalArgumentException e) {
            if (e.getMessage().startsWith(where)) {
                throw e;
            }
            throw new IllegalArgumentException(where + ".substitution: " + e.getMessage(), e);
        }
    }

    static RetryPolicy retry(io.envoyproxy.envoy.config.route.v3.RetryPolicy p, String where) {
        Set<RetryPolicy.RetryOn> on = EnumSet.noneOf(RetryPolicy.RetryOn.class);
        for (String token : p.getRetryOn().split(",")) {
            if (!token.isBlank()) {
                try {
                    on.add(RetryPolicy.RetryOn.parse(token));
                } catch (IllegalArgumentException e) {
                    // Envoy ignores conditions it does not know; so do we.
                }
            }
        }
        int retries = p.hasNumRetries() ? Uint32.saturated(p.getNumRetries()) : 1;
        boolean previousHosts =
                p.getRetryHostPredicateList().stream().anyMatch(h -> PREVIOUS_HOSTS.equals(h.getName()));
        Duration base = Duration.ofMillis(25);
        Duration max = null;
        if (p.hasRetryBackOff()) {
            base = duration(p.getRetryBackOff().getBaseInterval());
            if (base.isZero() || base.isNegative()) {
                throw new IllegalArgumentException(where + ".retry_back_off.base_interval: must be > 0");
            }
            if (p.getRetryBackOff().hasMaxInterval()) {
                max = duration(p.getRetryBackOff().getMaxInterval());
            }
        }
        return new RetryPolicy(
                on,
                retries,
                p.hasPerTryTimeout() ? duration(p.getPerTryTimeout()) : Duration.ZERO,
                new HashSet<>(p.getRetriableStatusCodesList()),
                previousHosts,
                (int) p.getHostSelectionRetryMaxAttempts(),
                base,
                max != null ? max : base.multipliedBy(10));
    }

    private static RouteAction.Redirect redirect(RedirectAction r) {
        String scheme = r.hasSchemeRedirect() ? r.getSchemeRedirect() : r.getHttpsRedirect() ? "https" : null;
        int status = switch (r.getResponseCode()) {
            case FOUND -> 302;
            case SEE_OTHER -> 303;
            case TEMPORARY_REDIRECT -> 307;
            case PERMANENT_REDIRECT -> 308;
            default -> 301;
        };
        return new RouteAction.Redirect(
                scheme,
                r.getHostRedirect(),
                r.getPortRedirect(),
                r.hasPathRedirect() ? r.getPathRedirect() : null,
                r.hasPrefixRewrite() ? r.getPrefixRewrite() : null,
                status,
                r.getStripQuery());
    }

    public static int perMillion(FractionalPercent p) {
        long scale = switch (p.getDenominator()) {
            case TEN_THOUSAND -> 100;
            case MILLION -> 1;
            default -> 10_000;
        };
        return (int) Math.min(FaultPolicy.MILLION, p.getNumerator() * scale);
    }

    private static int perMillion(RuntimeFractionalPercent p) {
        return p.hasDefaultValue() ? perMillion(p.getDefaultValue()) : FaultPolicy.MILLION;
    }

    public static Duration duration(com.google.protobuf.Duration d) {
        return Duration.ofSeconds(d.getSeconds(), d.getNanos());
    }
}
