package dev.meshbox.proxy.route;

import java.time.Duration;
import java.util.Objects;

/**
 * A compiled {@code RouteAction.HashPolicy}: where a request's consistent-hashing key comes from. Policies are
 * evaluated in order; their hashes combine, and a {@code terminal} policy that produced a hash stops the rest.
 */
public sealed interface HashPolicy {

    boolean terminal();

    record Header(String name, boolean terminal) implements HashPolicy {
        public Header {
            Objects.requireNonNull(name, "name");
        }
    }

    /**
     * @param ttl  null when absent; when set and the request has no such cookie, the proxy generates one and sets
     *             it on the response (zero: a session cookie)
     * @param path the generated cookie's Path, or null
     */
    record Cookie(String name, Duration ttl, String path, boolean terminal) implements HashPolicy {
        public Cookie {
            Objects.requireNonNull(name, "name");
        }
    }

    record SourceIp(boolean terminal) implements HashPolicy {}

    record QueryParameter(String name, boolean terminal) implements HashPolicy {
        public QueryParameter {
            Objects.requireNonNull(name, "name");
        }
    }
}
