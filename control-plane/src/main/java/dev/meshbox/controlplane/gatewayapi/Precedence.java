package dev.meshbox.controlplane.gatewayapi;

import dev.meshbox.controlplane.config.StringMatch;
import dev.meshbox.controlplane.config.VirtualService.HttpMatch;
import dev.meshbox.controlplane.config.VirtualService.HttpRoute;
import java.util.Comparator;

/**
 * The Gateway API's route precedence as Istio's {@code sortHTTPRoutes} applies it to one host's routes (each with at
 * most one match): exact path before prefix before regex, longer paths first, then a method match, more header
 * matches, more query matches; routes without a match last. Ties keep their order (routes arrive oldest first).
 */
final class Precedence {

    static final Comparator<HttpRoute> ORDER = Precedence::compare;

    private Precedence() {}

    private static int compare(HttpRoute a, HttpRoute b) {
        if (a.match().isEmpty() || b.match().isEmpty()) {
            return Boolean.compare(a.match().isEmpty(), b.match().isEmpty());
        }
        HttpMatch m1 = a.match().get(0);
        HttpMatch m2 = b.match().get(0);
        int c = Integer.compare(rank(m2), rank(m1));
        if (c != 0) {
            return c;
        }
        c = Integer.compare(length(m2), length(m1));
        if (c != 0) {
            return c;
        }
        c = Boolean.compare(m2.method().isPresent(), m1.method().isPresent());
        if (c != 0) {
            return c;
        }
        c = Integer.compare(m2.headers().size(), m1.headers().size());
        return c != 0
                ? c
                : Integer.compare(m2.queryParams().size(), m1.queryParams().size());
    }

    private static int rank(HttpMatch m) {
        if (m.uri().isEmpty()) {
            return -1;
        }
        StringMatch.Kind k = m.uri().get().kind();
        return switch (k) {
            case EXACT -> 3;
            case PREFIX -> 2;
            case REGEX -> 1;
            default -> -1;
        };
    }

    private static int length(HttpMatch m) {
        return m.uri().map(u -> u.value().length()).orElse(0);
    }
}
