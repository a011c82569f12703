package dev.meshbox.controlplane.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** gateway.networking.k8s.io HTTPRoute, validated. Field names follow the Gateway API reference. */
public record KubeHttpRoute(
        ResourceMeta meta, String yaml, List<ParentRef> parentRefs, List<String> hostnames, List<Rule> rules)
        implements IstioResource {

    /**
     * A parent: a Gateway (group gateway.networking.k8s.io, the default) or a Service (group "", GAMMA: the route
     * applies to the sidecars calling that service).
     */
    public record ParentRef(
            String group,
            String kind,
            String name,
            Optional<String> namespace,
            Optional<String> sectionName,
            Optional<Integer> port) {
        public boolean isService() {
            return kind.equals("Service") && (group.isEmpty() || group.equals("core"));
        }

        public boolean isGateway() {
            return kind.equals("Gateway") && group.equals(GatewayApi.GROUP);
        }
    }

    public record Rule(
            Optional<String> name,
            List<Match> matches,
            List<Filter> filters,
            List<BackendRef> backendRefs,
            Optional<Duration> requestTimeout,
            Optional<Duration> backendRequestTimeout) {}

    public enum PathType {
        EXACT,
        PATH_PREFIX,
        REGULAR_EXPRESSION
    }

    public record PathMatch(PathType type, String value) {}

    /** A header or query parameter match: exact, or a regular expression. */
    public record ValueMatch(String name, boolean regex, String value) {}

    public record Match(
            Optional<PathMatch> path,
            List<ValueMatch> headers,
            List<ValueMatch> queryParams,
            Optional<String> method) {}

    /** A RequestHeaderModifier or ResponseHeaderModifier; names lower-cased, a repeated name ignored, as Istio. */
    public record HeaderModifier(Map<String, String> set, Map<String, String> add, List<String> remove) {}

    /** ReplaceFullPath or ReplacePrefixMatch, in RequestRedirect and URLRewrite. */
    public record PathModifier(boolean fullPath, String value) {}

    public sealed interface Filter
            permits RequestHeaderModifier, ResponseHeaderModifier, RequestRedirect, UrlRewrite, RequestMirror {}

    public record RequestHeaderModifier(HeaderModifier headers) implements Filter {}

    public record ResponseHeaderModifier(HeaderModifier headers) implements Filter {}

    public record RequestRedirect(
            Optional<String> scheme,
            Optional<String> hostname,
            Optional<PathModifier> path,
            Optional<Integer> port,
            int statusCode)
            implements Filter {}

    public record UrlRewrite(Optional<String> hostname, Optional<PathModifier> path) implements Filter {}

    /** @param percent the share mirrored (from {@code percent} or {@code fraction}), empty for all */
    public record RequestMirror(BackendRef backend, Optional<Double> percent) implements Filter {}

    /** A backend: a Service by default. {@code weight} defaults to 1. */
    public record BackendRef(
            String group,
            String kind,
            String name,
            Optional<String> namespace,
            Optional<Integer> port,
            int weight,
            List<Filter> filters) {
        public boolean isService() {
            return kind.equals("Service") && (group.isEmpty() || group.equals("core"));
        }
    }
}
