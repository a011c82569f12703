package dev.meshbox.proxy.rbac;

import dev.meshbox.proxy.route.HeaderMatcher;
import dev.meshbox.proxy.route.StringMatch;
import java.util.List;

/** Envoy's RBAC {@code Permission}: what the request does (its method, path, headers, destination). */
public sealed interface Permission {

    boolean matches(RbacRequest r);

    record Any() implements Permission {
        @Override
        public boolean matches(RbacRequest r) {
            return true;
        }
    }

    record And(List<Permission> rules) implements Permission {
        @Override
        public boolean matches(RbacRequest r) {
            return rules.stream().allMatch(p -> p.matches(r));
        }
    }

    record Or(List<Permission> rules) implements Permission {
        @Override
        public boolean matches(RbacRequest r) {
            return rules.stream().anyMatch(p -> p.matches(r));
        }
    }

    record Not(Permission rule) implements Permission {
        @Override
        public boolean matches(RbacRequest r) {
            return !rule.matches(r);
        }
    }

    record Header(HeaderMatcher header) implements Permission {
        @Override
        public boolean matches(RbacRequest r) {
            return header.matches(r.view());
        }
    }

    record UrlPath(StringMatch path) implements Permission {
        @Override
        public boolean matches(RbacRequest r) {
            return path.matches(r.urlPath());
        }
    }

    record DestinationPort(int port) implements Permission {
        @Override
        public boolean matches(RbacRequest r) {
            return r.destinationPort() == port;
        }
    }

    record DestinationIp(Cidr range) implements Permission {
        @Override
        public boolean matches(RbacRequest r) {
            return range.contains(r.destinationIp());
        }
    }

    record RequestedServerName(StringMatch name) implements Permission {
        @Override
        public boolean matches(RbacRequest r) {
            return name.matches(r.requestedServerName() == null ? "" : r.requestedServerName());
        }
    }
}
