package dev.meshbox.proxy.route;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A compiled route configuration. Domains are indexed once so a lookup follows Envoy's order: exact, then
 * suffix wildcards ({@code *.foo}, longest first), then prefix wildcards ({@code foo.*}, longest first),
 * then {@code *}.
 */
public final class RouteTable {

    private record Wildcard(String fragment, VirtualHost host) {}

    private final String name;
    private final List<VirtualHost> virtualHosts;
    private final boolean ignorePortInHostMatching;
    private final Map<String, VirtualHost> exact = new HashMap<>();
    private final List<Wildcard> suffixes = new ArrayList<>();
    private final List<Wildcard> prefixes = new ArrayList<>();
    private final VirtualHost catchAll;

    public RouteTable(String name, List<VirtualHost> virtualHosts, boolean ignorePortInHostMatching) {
        this.name = name;
        this.virtualHosts = List.copyOf(virtualHosts);
        this.ignorePortInHostMatching = ignorePortInHostMatching;
        VirtualHost star = null;
        for (VirtualHost vh : this.virtualHosts) {
            for (String raw : vh.domains()) {
                String domain = raw.toLowerCase(Locale.ROOT);
                if (domain.equals("*")) {
                    if (star != null) {
                        throw new IllegalArgumentException(
                                "route config " + name + ": only one virtual host may have domain '*'");
                    }
                    star = vh;
                } else if (domain.startsWith("*")) {
                    suffixes.add(new Wildcard(domain.substring(1), vh));
                } else if (domain.endsWith("*")) {
                    prefixes.add(new Wildcard(domain.substring(0, domain.length() - 1), vh));
                } else if (exact.putIfAbsent(domain, vh) != null) {
                    throw new IllegalArgumentException(
                            "route config " + name + ": domain '" + raw + "' appears in more than one virtual host");
                }
            }
        }
        Comparator<Wildcard> longestFirst =
                Comparator.comparingInt((Wildcard w) -> w.fragment.length()).reversed();
        suffixes.sort(longestFirst);
        prefixes.sort(longestFirst);
        this.catchAll = star;
    }

    public RouteTable(String name, List<VirtualHost> virtualHosts) {
        this(name, virtualHosts, false);
    }

    public String name() {
        return name;
    }

    public List<VirtualHost> virtualHosts() {
        return virtualHosts;
    }

    /** The virtual host for a Host / :authority value, or null when none matches. */
    public VirtualHost virtualHostFor(String authority) {
        String host = authority == null ? "" : authority.toLowerCase(Locale.ROOT);
        if (ignorePortInHostMatching) {
            host = stripPort(host);
        }
        VirtualHost vh = exact.get(host);
        if (vh != null) {
            return vh;
        }
        for (Wildcard w : suffixes) {
            if (host.length() > w.fragment.length() && host.endsWith(w.fragment)) {
                return w.host;
            }
        }
        for (Wildcard w : prefixes) {
            if (host.length() > w.fragment.length() && host.startsWith(w.fragment)) {
                return w.host;
            }
        }
        return catchAll;
    }

    static String stripPort(String host) {
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            return close > 0 ? host.substring(0, close + 1) : host;
        }
        int colon = host.lastIndexOf(':');
        return colon >= 0 && host.indexOf(':') == colon ? host.substring(0, colon) : host;
    }

    @Override
    public String toString() {
        return "RouteTable[" + name + ", " + virtualHosts.size() + " virtual hosts]";
    }
}
