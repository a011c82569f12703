package dev.meshbox.proxy.router;

import dev.meshbox.proxy.http.Downstream;
import dev.meshbox.proxy.random.XxHash64;
import dev.meshbox.proxy.route.HashPolicy;
import dev.meshbox.proxy.route.RequestView;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.OptionalLong;

/**
 * A request's consistent-hashing key from the route's hash policies, as Envoy computes it: each policy that
 * finds its input hashes it with xxHash64, hashes combine as {@code rotl(h, 1) ^ next}, and a terminal policy
 * that produced a hash stops the evaluation. A cookie policy with a ttl whose cookie is absent generates the
 * cookie from the connection's addresses and asks for it to be set on the response.
 */
final class RequestHash {

    /** The hash, if any policy found its input, and a {@code Set-Cookie} value a cookie policy generated, or null. */
    record Key(OptionalLong hash, String setCookie) {
        static final Key NONE = new Key(OptionalLong.empty(), null);
    }

    private RequestHash() {}

    static Key compute(
            List<HashPolicy> policies, RequestView request, InetSocketAddress remote, InetSocketAddress local) {
        if (policies.isEmpty()) {
            return Key.NONE;
        }
        String[] setCookie = new String[1];
        boolean found = false;
        long hash = 0;
        for (HashPolicy policy : policies) {
            Long h = null;
            if (policy instanceof HashPolicy.Header header) {
                String v = request.header(header.name());
                h = v == null ? null : XxHash64.hash(v);
            } else if (policy instanceof HashPolicy.QueryParameter q) {
                String v = request.queryParameter(q.name());
                h = v == null ? null : XxHash64.hash(v);
            } else if (policy instanceof HashPolicy.SourceIp) {
                h = remote == null ? null : XxHash64.hash(remote.getAddress().getHostAddress());
            } else if (policy instanceof HashPolicy.Cookie c) {
                h = cookieHash(c, request, remote, local, setCookie);
            }
            if (h != null) {
                hash = found ? Long.rotateLeft(hash, 1) ^ h : h;
                found = true;
                if (policy.terminal()) {
                    break;
                }
            }
        }
        return new Key(found ? OptionalLong.of(hash) : OptionalLong.empty(), setCookie[0]);
    }

    private static Long cookieHash(
            HashPolicy.Cookie c,
            RequestView request,
            InetSocketAddress remote,
            InetSocketAddress local,
            String[] setCookieOut) {
        String value = cookie(request.header("cookie"), c.name());
        if (value != null) {
            return XxHash64.hash(value);
        }
        if (c.ttl() == null || remote == null || local == null) {
            return null;
        }
        // The same for every request of one connection, so racing requests on it get the same cookie.
        String generated =
                String.format("%016x", XxHash64.hash(Downstream.addressText(remote) + Downstream.addressText(local)));
        StringBuilder setCookie =
                new StringBuilder(c.name()).append("=\"").append(generated).append('"');
        if (!c.ttl().isZero()) {
            setCookie.append("; Max-Age=").append(c.ttl().toSeconds());
        }
        if (c.path() != null) {
            setCookie.append("; Path=").append(c.path());
        }
        setCookie.append("; HttpOnly");
        setCookieOut[0] = setCookie.toString();
        return XxHash64.hash(generated);
    }

    /** The value of cookie {@code name} in a Cookie header, unquoted; null when absent. */
    static String cookie(String header, String name) {
        if (header == null) {
            return null;
        }
        int i = 0;
        while (i < header.length()) {
            int end = header.indexOf(';', i);
            if (end < 0) {
                end = header.length();
            }
            int eq = header.indexOf('=', i);
            if (eq > 0 && eq < end && header.substring(i, eq).trim().equals(name)) {
                String v = header.substring(eq + 1, end).trim();
                return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
            }
            i = end + 1;
        }
        return null;
    }
}
