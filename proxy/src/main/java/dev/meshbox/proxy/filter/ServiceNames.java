package dev.meshbox.proxy.filter;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Istio's service labels from what a request carries: the service FQDN of an outbound cluster name or of an inbound
 * request's host, and its name and namespace. One per proxy; it remembers the names it has seen (a bounded number)
 * so requests do not parse them each time.
 */
final class ServiceNames {

    /** A service FQDN's name and namespace (null when not a cluster-local FQDN). */
    record Name(String name, String namespace) {
        static final Name NONE = new Name(null, null);
    }

    private static final String CLUSTER_DOMAIN = ".svc.cluster.local";
    private static final int MAX_REMEMBERED = 4096;

    /** Service FQDNs by outbound cluster name (names come from config, so there are few). */
    private final ConcurrentHashMap<String, String> clusterServices = new ConcurrentHashMap<>();

    private final ConcurrentHashMap<String, Name> known = new ConcurrentHashMap<>();

    Name parse(String service) {
        if (service == null) {
            return Name.NONE;
        }
        Name name = known.get(service);
        if (name != null) {
            return name;
        }
        if (service.endsWith(CLUSTER_DOMAIN)) {
            String[] parts = service.substring(0, service.length() - CLUSTER_DOMAIN.length())
                    .split("\\.");
            name = new Name(parts[0], parts.length > 1 ? parts[1] : null);
        } else {
            name = new Name(service, null);
        }
        if (known.size() < MAX_REMEMBERED) {
            known.put(service, name);
        }
        return name;
    }

    /** The FQDN from {@code outbound|<port>|<subset>|<fqdn>}, else the request's host. */
    String outbound(String cluster, String authority) {
        if (cluster != null && cluster.startsWith("outbound|")) {
            String known = clusterServices.get(cluster);
            if (known == null) {
                known = cluster.substring(cluster.lastIndexOf('|') + 1);
                if (clusterServices.size() < MAX_REMEMBERED) {
                    clusterServices.put(cluster, known);
                }
            }
            return known;
        }
        return host(authority);
    }

    /** The request's host as a service FQDN: {@code reviews:9080} in namespace default is reviews.default.svc... */
    static String inbound(String authority, String namespace) {
        String host = host(authority);
        if (host == null || host.isEmpty() || Character.isDigit(host.charAt(host.length() - 1))) {
            return host;
        }
        if (host.endsWith(CLUSTER_DOMAIN)) {
            return host;
        }
        if (host.endsWith(".svc")) {
            return host + ".cluster.local";
        }
        int dots = (int) host.chars().filter(c -> c == '.').count();
        return switch (dots) {
            case 0 -> host + "." + namespace + CLUSTER_DOMAIN;
            case 1 -> host + CLUSTER_DOMAIN;
            default -> host;
        };
    }

    private static String host(String authority) {
        if (authority == null) {
            return null;
        }
        int colon = authority.lastIndexOf(':');
        return colon > 0 && authority.indexOf(':') == colon ? authority.substring(0, colon) : authority;
    }
}
