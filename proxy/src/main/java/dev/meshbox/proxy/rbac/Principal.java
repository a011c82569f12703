package dev.meshbox.proxy.rbac;

import dev.meshbox.proxy.route.HeaderMatcher;
import dev.meshbox.proxy.route.StringMatch;
import java.util.List;

/** Envoy's RBAC {@code Principal}: who asks (the peer's identity and address, the request's token and headers). */
public sealed interface Principal {

    boolean matches(RbacRequest r);

    record Any() implements Principal {
        @Override
        public boolean matches(RbacRequest r) {
            return true;
        }
    }

    record And(List<Principal> ids) implements Principal {
        @Override
        public boolean matches(RbacRequest r) {
            return ids.stream().allMatch(p -> p.matches(r));
        }
    }

    record Or(List<Principal> ids) implements Principal {
        @Override
        public boolean matches(RbacRequest r) {
            return ids.stream().anyMatch(p -> p.matches(r));
        }
    }

    record Not(Principal id) implements Principal {
        @Override
        public boolean matches(RbacRequest r) {
            return !id.matches(r);
        }
    }

    /**
     * The peer certificate's URI SAN matches {@code name}; a null name asks only for an authenticated peer. A
     * plaintext peer has no principal and never matches.
     */
    record Authenticated(StringMatch name) implements Principal {
        @Override
        public boolean matches(RbacRequest r) {
            return r.peerPrincipal() != null && (name == null || name.matches(r.peerPrincipal()));
        }
    }

    /** The connection's peer address ({@code direct_remote_ip}, and the deprecated {@code source_ip}). */
    record DirectRemoteIp(Cidr range) implements Principal {
        @Override
        public boolean matches(RbacRequest r) {
            return range.contains(r.directRemoteIp());
        }
    }

    /** The original client's address ({@code remote_ip}). */
    record RemoteIp(Cidr range) implements Principal {
        @Override
        public boolean matches(RbacRequest r) {
            return range.contains(r.remoteIp());
        }
    }

    record Header(HeaderMatcher header) implements Principal {
        @Override
        public boolean matches(RbacRequest r) {
            return header.matches(r.view());
        }
    }

    record UrlPath(StringMatch path) implements Principal {
        @Override
        public boolean matches(RbacRequest r) {
            return path.matches(r.urlPath());
        }
    }

    /** A dynamic metadata value (Envoy's {@code MetadataMatcher}), such as a claim of the verified JWT. */
    record Metadata(String filter, List<String> path, ValueMatch value, boolean invert) implements Principal {
        @Override
        public boolean matches(RbacRequest r) {
            return value.matches(r.metadata().value(filter, path)) != invert;
        }
    }

    /** Envoy's {@code ValueMatcher}, the parts Istio uses. */
    sealed interface ValueMatch {
        boolean matches(Object value);
    }

    record StringValue(StringMatch match) implements ValueMatch {
        @Override
        public boolean matches(Object value) {
            return value instanceof String s && match.matches(s);
        }
    }

    /** A list with one element that {@code oneOf} matches. */
    record ListValue(ValueMatch oneOf) implements ValueMatch {
        @Override
        public boolean matches(Object value) {
            return value instanceof List<?> list && list.stream().anyMatch(oneOf::matches);
        }
    }

    record Present(boolean present) implements ValueMatch {
        @Override
        public boolean matches(Object value) {
            return (value != null) == present;
        }
    }

    record BoolValue(boolean expected) implements ValueMatch {
        @Override
        public boolean matches(Object value) {
            return value instanceof Boolean b && b == expected;
        }
    }
}
