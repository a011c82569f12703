package dev.meshbox.controlplane.translate;

import dev.meshbox.controlplane.config.StringMatch;
import dev.meshbox.controlplane.config.VirtualService;
import dev.meshbox.controlplane.config.VirtualService.HttpMatch;
import dev.meshbox.controlplane.config.VirtualService.HttpRoute;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Delegation as Istio's {@code mergeVirtualServicesIfNeeded} resolves it, before any translation: each root rule with
 * {@code delegate} is replaced by the delegate's rules, each narrowed to the root's match and given the root's
 * policies (rewrite, timeout, retries, fault, CORS, mirrors, headers) where it has none of its own. A delegate rule whose
 * match is not inside the root's is left out; a missing or unexported delegate leaves its root rule out, so requests
 * fall through to the root's later rules. Delegates themselves (VirtualServices without hosts) route nothing directly.
 */
public final class DelegateMerger {

    /** What translation uses: the merged roots and every VirtualService that is neither root nor delegate. */
    public record Merged(List<VirtualService> virtualServices, List<String> warnings) {
        public Merged {
            virtualServices = List.copyOf(virtualServices);
            warnings = List.copyOf(warnings);
        }
    }

    private DelegateMerger() {}

    public static Merged merge(Collection<VirtualService> all) {
        Map<String, VirtualService> byKey = new HashMap<>();
        all.forEach(vs -> byKey.put(vs.meta().namespace() + "/" + vs.meta().name(), vs));
        List<VirtualService> out = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Set<String> referenced = new HashSet<>();
        for (VirtualService vs : all) {
            vs.http()
                    .forEach(r -> r.delegate()
                            .ifPresent(d -> referenced.add(d.key(vs.meta().namespace()))));
        }
        for (VirtualService vs : all) {
            if (vs.isDelegate()) {
                if (!referenced.contains(vs.meta().namespace() + "/" + vs.meta().name())) {
                    // Istio says nothing here; a forgotten spec.hosts would otherwise go unnoticed.
                    warnings.add(vs.meta().display() + ": spec.hosts: none, so it is a delegate, and no root"
                            + " VirtualService delegates to it: it routes nothing");
                }
                continue;
            }
            out.add(vs.isRoot() ? mergeRoot(vs, byKey, warnings) : vs);
        }
        return new Merged(out, warnings);
    }

    private static VirtualService mergeRoot(
            VirtualService root, Map<String, VirtualService> byKey, List<String> warnings) {
        List<HttpRoute> merged = new ArrayList<>();
        for (int i = 0; i < root.http().size(); i++) {
            HttpRoute rule = root.http().get(i);
            if (rule.delegate().isEmpty()) {
                merged.add(rule);
                continue;
            }
            String where = root.meta().display() + ": spec.http[" + i + "].delegate: ";
            String key = rule.delegate().get().key(root.meta().namespace());
            VirtualService delegate = byKey.get(key);
            if (delegate == null || !delegate.isDelegate()) {
                warnings.add(where + "Referenced delegate VirtualService not found: \"" + key + "\" (IST0101"
                        + (delegate == null
                                ? ""
                                : "; it has hosts, and only a VirtualService without hosts is a delegate")
                        + "); the rule is left out and its requests fall through to the rules after it");
                continue;
            }
            if (!exported(delegate, root.meta().namespace())) {
                warnings.add(where + "delegate VirtualService " + key + " is not exported to namespace "
                        + root.meta().namespace() + " (exportTo " + delegate.exportTo()
                        + "); the rule is left out and its requests fall through to the rules after it");
                continue;
            }
            for (int j = 0; j < delegate.http().size(); j++) {
                HttpRoute leaf =
                        qualified(delegate.http().get(j), delegate.meta().namespace(), root);
                Optional<HttpRoute> m = mergeRule(rule, leaf);
                if (m.isPresent()) {
                    merged.add(m.get());
                } else {
                    warnings.add(delegate.meta().display() + ": spec.http[" + j + "]: its match conflicts with"
                            + " the match of its root " + root.meta().display() + " spec.http[" + i + "] (a delegate"
                            + " rule must match within its root's match); the rule is left out");
                }
            }
        }
        return new VirtualService(root.meta(), root.yaml(), root.hosts(), root.gateways(), merged, root.exportTo());
    }

    /**
     * A delegate's short host names mean services of its own namespace, as Istio resolves them before merging; the
     * merged rule lives in the root's namespace, so they are written out in full when the two differ.
     */
    private static HttpRoute qualified(HttpRoute leaf, String namespace, VirtualService root) {
        if (namespace.equals(root.meta().namespace())) {
            return leaf;
        }
        List<VirtualService.RouteDestination> route = leaf.route().stream()
                .map(d -> new VirtualService.RouteDestination(
                        qualified(d.destination(), namespace), d.weight(), d.headers()))
                .toList();
        return new HttpRoute(
                leaf.name(),
                leaf.match(),
                route,
                leaf.redirect(),
                leaf.directResponse(),
                leaf.rewrite(),
                leaf.timeout(),
                leaf.retries(),
                leaf.fault(),
                leaf.corsPolicy(),
                leaf.mirror().map(m -> qualified(m, namespace)),
                leaf.mirrors().stream()
                        .map(m -> new VirtualService.Mirror(qualified(m.destination(), namespace), m.percentage()))
                        .toList(),
                leaf.mirrorPercentage(),
                leaf.headers(),
                leaf.delegate());
    }

    private static VirtualService.Destination qualified(VirtualService.Destination d, String namespace) {
        if (d.host().contains(".")) {
            return d;
        }
        return new VirtualService.Destination(d.host() + "." + namespace + ".svc.cluster.local", d.subset(), d.port());
    }

    /** Istio's visibility: no exportTo is everywhere; {@code .} the delegate's own namespace; {@code ~} nowhere. */
    static boolean exported(VirtualService delegate, String rootNamespace) {
        List<String> to = delegate.exportTo();
        return to.isEmpty()
                || to.contains("*")
                || to.contains(rootNamespace)
                || (to.contains(".") && delegate.meta().namespace().equals(rootNamespace));
    }

    /** The delegate rule narrowed to its root rule, or empty when their matches conflict. */
    static Optional<HttpRoute> mergeRule(HttpRoute root, HttpRoute leaf) {
        Optional<List<HttpMatch>> match = mergeMatches(root.match(), leaf.match());
        if (match.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new HttpRoute(
                joinNames(root.name(), leaf.name()),
                match.get(),
                leaf.route(),
                leaf.redirect(),
                leaf.directResponse(),
                leaf.rewrite().or(root::rewrite),
                leaf.timeout().or(root::timeout),
                leaf.retries().or(root::retries),
                leaf.fault().or(root::fault),
                leaf.corsPolicy().or(root::corsPolicy),
                leaf.mirror().or(root::mirror),
                leaf.mirrors().isEmpty() ? root.mirrors() : leaf.mirrors(),
                leaf.mirrorPercentage().or(root::mirrorPercentage),
                leaf.headers().equals(VirtualService.Headers.NONE) ? root.headers() : leaf.headers(),
                Optional.empty()));
    }

    /**
     * Each delegate match must lie inside at least one root match; it becomes one merged match per root match it
     * fits. Empty when some delegate match fits none: the whole delegate rule is then left out.
     */
    static Optional<List<HttpMatch>> mergeMatches(List<HttpMatch> root, List<HttpMatch> leaf) {
        if (root.isEmpty()) {
            return Optional.of(leaf);
        }
        if (leaf.isEmpty()) {
            return Optional.of(root);
        }
        List<HttpMatch> out = new ArrayList<>();
        for (HttpMatch sub : leaf) {
            boolean found = false;
            for (HttpMatch r : root) {
                if (!conflicts(r, sub)) {
                    out.add(mergeMatch(r, sub));
                    found = true;
                }
            }
            if (!found) {
                return Optional.empty();
            }
        }
        return Optional.of(out);
    }

    static boolean conflicts(HttpMatch root, HttpMatch leaf) {
        if (conflicts(root.uri(), leaf.uri())
                || conflicts(root.scheme(), leaf.scheme())
                || conflicts(root.method(), leaf.method())
                || conflicts(root.authority(), leaf.authority())
                || conflicts(root.headers(), leaf.headers())
                || conflicts(root.withoutHeaders(), leaf.withoutHeaders())
                || conflicts(root.queryParams(), leaf.queryParams())) {
            return true;
        }
        if (root.ignoreUriCase() != leaf.ignoreUriCase()) {
            return true;
        }
        if (root.port().isPresent() && leaf.port().isPresent() && !root.port().equals(leaf.port())) {
            return true;
        }
        if (root.sourceNamespace().isPresent() && !root.sourceNamespace().equals(leaf.sourceNamespace())) {
            return true;
        }
        for (Map.Entry<String, String> e : leaf.sourceLabels().entrySet()) {
            String v = root.sourceLabels().get(e.getKey());
            if (v != null && !v.equals(e.getValue())) {
                return true;
            }
        }
        // The root's gateways must include the delegate's.
        return !root.gateways().isEmpty()
                && !leaf.gateways().isEmpty()
                && !new HashSet<>(root.gateways()).containsAll(leaf.gateways());
    }

    private static boolean conflicts(Map<String, StringMatch> root, Map<String, StringMatch> leaf) {
        for (Map.Entry<String, StringMatch> e : leaf.entrySet()) {
            if (conflicts(Optional.ofNullable(root.get(e.getKey())), Optional.of(e.getValue()))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Istio's {@code stringMatchConflict}: no conflict when either side is unset; otherwise the delegate's must be
     * provably inside the root's: the same exact value, or an exact or prefix value starting with the root's prefix.
     * A regex or a presence match on both sides cannot be compared, so it conflicts.
     */
    static boolean conflicts(Optional<StringMatch> root, Optional<StringMatch> leaf) {
        if (root.isEmpty() || leaf.isEmpty()) {
            return false;
        }
        StringMatch r = root.get();
        StringMatch l = leaf.get();
        return switch (r.kind()) {
            case EXACT -> !(l.kind() == StringMatch.Kind.EXACT && l.value().equals(r.value()));
            case PREFIX ->
                !((l.kind() == StringMatch.Kind.PREFIX || l.kind() == StringMatch.Kind.EXACT)
                        && l.value().startsWith(r.value()));
            default -> true;
        };
    }

    /** The delegate's match with the root's conditions added where the delegate sets none. */
    static HttpMatch mergeMatch(HttpMatch root, HttpMatch leaf) {
        return new HttpMatch(
                joinNames(root.name(), leaf.name()),
                leaf.uri().or(root::uri),
                leaf.scheme().or(root::scheme),
                leaf.method().or(root::method),
                leaf.authority().or(root::authority),
                union(root.headers(), leaf.headers()),
                union(root.withoutHeaders(), leaf.withoutHeaders()),
                union(root.queryParams(), leaf.queryParams()),
                leaf.port().or(root::port),
                union(root.sourceLabels(), leaf.sourceLabels()),
                leaf.gateways().isEmpty() ? root.gateways() : leaf.gateways(),
                leaf.ignoreUriCase(),
                leaf.sourceNamespace().or(root::sourceNamespace));
    }

    private static <V> Map<String, V> union(Map<String, V> root, Map<String, V> leaf) {
        if (root.isEmpty()) {
            return leaf;
        }
        Map<String, V> out = new LinkedHashMap<>(root);
        out.putAll(leaf);
        return out;
    }

    /** Istio names a merged rule or match {@code root-delegate}, or whichever of the two is set. */
    private static String joinNames(String root, String leaf) {
        if (leaf.isEmpty()) {
            return root;
        }
        return root.isEmpty() ? leaf : root + "-" + leaf;
    }
}
