package dev.meshbox.proxy.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.proxy.route.HeaderMatcher;
import dev.meshbox.proxy.route.RequestView;
import dev.meshbox.proxy.route.StringMatch;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Envoy's RBAC permission and principal trees, matched against requests as Envoy matches them. */
class RbacEngineTest {

    private static final String SLEEP = "spiffe://cluster.local/ns/foo/sa/sleep";

    private static RbacRequest request(String method, String path, String peer, String ip, Map<String, Object> jwt) {
        return new RbacRequest(
                new RequestView(method, "httpbin.foo:8000", path, Map.of("x-token", "guest")),
                ip(ip),
                ip(ip),
                ip("10.0.0.9"),
                8000,
                peer,
                null,
                (filter, p) -> {
                    Object current = filter.equals("envoy.filters.http.jwt_authn") ? jwt : null;
                    for (String k : p) {
                        current = current instanceof Map<?, ?> m ? m.get(k) : null;
                    }
                    return current;
                });
    }

    private static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static RbacRequest get(String path) {
        return request("GET", path, null, "10.1.2.3", Map.of());
    }

    @ParameterizedTest
    @CsvSource({
        "10.1.0.0, 16, 10.1.2.3, true",
        "10.1.2.3, 32, 10.1.2.3, true",
        "10.1.2.0, 23, 10.1.3.3, true",
        "10.1.2.0, 24, 10.1.3.3, false",
        "0.0.0.0, 0, 192.168.1.1, true",
        "::1, 128, 127.0.0.1, false"
    })
    void cidrRangesMatchByPrefix(String prefix, int len, String address, boolean expected) {
        assertThat(Cidr.of(prefix, len).contains(ip(address))).isEqualTo(expected);
    }

    @Test
    void permissionsCombineWithAndOrNot() {
        Permission getOnIp = new Permission.And(List.of(
                new Permission.Header(HeaderMatcher.value(":method", StringMatch.exact("GET"))),
                new Permission.Or(List.of(
                        new Permission.UrlPath(StringMatch.exact("/ip")),
                        new Permission.UrlPath(StringMatch.prefix("/status/")))),
                new Permission.Not(new Permission.DestinationPort(9000))));

        assertThat(getOnIp.matches(get("/ip?x=1")))
                .as("the query string is not part of url_path")
                .isTrue();
        assertThat(getOnIp.matches(get("/status/418"))).isTrue();
        assertThat(getOnIp.matches(get("/get"))).isFalse();
        assertThat(getOnIp.matches(request("POST", "/ip", null, "10.1.2.3", Map.of())))
                .isFalse();
        assertThat(new Permission.DestinationPort(8000).matches(get("/"))).isTrue();
    }

    @Test
    void anAuthenticatedPrincipalNeedsMutualTlsAPlaintextPeerNeverMatches() {
        Principal sleep = new Principal.Authenticated(StringMatch.exact(SLEEP));
        Principal anyNamespaceFoo = new Principal.Authenticated(StringMatch.regex(".*/ns/foo/.*"));

        assertThat(sleep.matches(request("GET", "/", SLEEP, "10.1.2.3", Map.of())))
                .isTrue();
        assertThat(anyNamespaceFoo.matches(request("GET", "/", SLEEP, "10.1.2.3", Map.of())))
                .isTrue();
        assertThat(sleep.matches(get("/"))).as("plaintext").isFalse();
        assertThat(new Principal.Not(sleep).matches(get("/"))).isTrue();
        assertThat(new Principal.Authenticated(null).matches(request("GET", "/", SLEEP, "10.1.2.3", Map.of())))
                .isTrue();
    }

    @Test
    void requestPrincipalsAndClaimsAreReadFromTheJwtFiltersMetadata() {
        Map<String, Object> payload =
                Map.of("iss", "testing@secure.istio.io", "sub", "testing@secure.istio.io", "groups", List.of("group1"));
        RbacRequest withToken = request("GET", "/", null, "10.1.2.3", Map.of("payload", payload));
        Principal issuer = new Principal.Metadata(
                "envoy.filters.http.jwt_authn",
                List.of("payload", "iss"),
                new Principal.StringValue(StringMatch.exact("testing@secure.istio.io")),
                false);
        Principal group1 = new Principal.Metadata(
                "envoy.filters.http.jwt_authn",
                List.of("payload", "groups"),
                new Principal.ListValue(new Principal.StringValue(StringMatch.exact("group1"))),
                false);

        assertThat(issuer.matches(withToken)).isTrue();
        assertThat(group1.matches(withToken)).isTrue();
        assertThat(issuer.matches(get("/"))).as("no token").isFalse();
        assertThat(group1.matches(get("/"))).isFalse();
    }

    @Test
    void headersAndAddressesAsPrincipals() {
        Principal notAdmin =
                new Principal.Not(new Principal.Header(HeaderMatcher.value("x-token", StringMatch.exact("admin"))));
        assertThat(notAdmin.matches(get("/"))).isTrue();
        assertThat(new Principal.DirectRemoteIp(Cidr.of("10.1.0.0", 16)).matches(get("/")))
                .isTrue();
        assertThat(new Principal.RemoteIp(Cidr.of("5.6.7.0", 24)).matches(get("/")))
                .isFalse();
    }

    @Test
    void allowNeedsAMatchDenyRefusesOnAMatchLogNeverRefuses() {
        RbacPolicies.Policy getOnly = new RbacPolicies.Policy(
                List.of(new Permission.Header(HeaderMatcher.value(":method", StringMatch.exact("GET")))),
                List.of(new Principal.Any()));
        Map<String, RbacPolicies.Policy> named = Map.of("ns[foo]-policy[get]-rule[0]", getOnly);
        RbacRequest post = request("POST", "/", null, "10.1.2.3", Map.of());

        assertThat(new RbacPolicies(RbacPolicies.Action.ALLOW, named).evaluate(get("/")))
                .isEqualTo(new RbacPolicies.Decision(true, "ns[foo]-policy[get]-rule[0]"));
        RbacPolicies.Decision refused = new RbacPolicies(RbacPolicies.Action.ALLOW, named).evaluate(post);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.details()).isEqualTo("rbac_access_denied_matched_policy[none]");
        RbacPolicies.Decision denied = new RbacPolicies(RbacPolicies.Action.DENY, named).evaluate(get("/"));
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.details()).isEqualTo("rbac_access_denied_matched_policy[ns[foo]-policy[get]-rule[0]]");
        assertThat(new RbacPolicies(RbacPolicies.Action.DENY, named)
                        .evaluate(post)
                        .allowed())
                .isTrue();
        assertThat(new RbacPolicies(RbacPolicies.Action.LOG, named)
                        .evaluate(get("/"))
                        .allowed())
                .isTrue();
    }
}
