package dev.meshbox.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The served-by rule and the other questions scenarios and the JUnit extension ask the access logs. */
class AccessLogQueriesTest {

    static MeshAccess.LogEntry inbound(String id, String app, String version, int code, String authority) {
        Map<String, String> labels = version == null ? Map.of("app", app) : Map.of("app", app, "version", version);
        return new MeshAccess.LogEntry(
                app + "-" + version + "-pod", labels, "inbound", id, code, "-", "inbound|9080||", "", 1, authority);
    }

    static MeshAccess.LogEntry outbound(String pod, Map<String, String> labels, String id, String flags) {
        return new MeshAccess.LogEntry(
                pod,
                labels,
                "outbound",
                id,
                200,
                flags,
                "outbound|9080|v1|reviews.default.svc.cluster.local",
                "",
                1,
                "reviews:9080");
    }

    @Test
    void theVersionIsThatOfThePodWhoseInboundEntryCarriesTheRequestId() {
        Map<String, String> served = AccessLogQueries.servedBy(
                "reviews",
                List.of(
                        inbound("r-1", "reviews", "v1", 200, "reviews:9080"),
                        inbound("r-2", "reviews", "v3", 200, "reviews:9080"),
                        inbound("r-3", "ratings", "v1", 200, "ratings:9080"),
                        outbound("productpage-v1-a", Map.of("app", "productpage"), "r-4", "-")));

        assertThat(served).containsOnly(Map.entry("r-1", "v1"), Map.entry("r-2", "v3"));
    }

    @Test
    void aRetriedRequestWasServedByThePodThatAnsweredBelow500() {
        Map<String, String> served = AccessLogQueries.servedBy(
                "reviews",
                List.of(
                        inbound("retried", "reviews", "v1", 503, "reviews:9080"),
                        inbound("retried", "reviews", "v2", 200, "reviews:9080"),
                        inbound("kept", "reviews", "v2", 200, "reviews:9080"),
                        inbound("kept", "reviews", "v1", 503, "reviews:9080"),
                        inbound("failed", "reviews", "v3", 500, "reviews:9080")));

        assertThat(served).containsOnly(Map.entry("retried", "v2"), Map.entry("kept", "v2"), Map.entry("failed", "v3"));
    }

    @Test
    void aMirroredCopyServesNoOneAndAPodWithoutVersionIsUnknown() {
        Map<String, String> served = AccessLogQueries.servedBy(
                "httpbin",
                List.of(
                        inbound("m-1", "httpbin", "v1", 200, "httpbin:8000"),
                        inbound("m-1", "httpbin", "v2", 200, "httpbin-shadow:8000"),
                        inbound("m-2", "httpbin", null, 200, "httpbin:8000")));

        assertThat(served).containsOnly(Map.entry("m-1", "v1"), Map.entry("m-2", "unknown"));
    }

    @Test
    void theSourceIsTheGatewayForIngressTrafficAndTheCallersSidecarOtherwise() {
        MeshAccess.LogEntry gateway = outbound(
                "istio-ingressgateway-1", Map.of("istio", "ingressgateway", "app", "istio-ingressgateway"), "g", "-");
        MeshAccess.LogEntry sleep = outbound("sleep-v1-abc", Map.of("app", "sleep"), "s", "-");
        MeshAccess.LogEntry sleepServing = inbound("s", "sleep", "v1", 200, "sleep:80");

        assertThat(AccessLogQueries.atSource(AccessLogQueries.INGRESS, gateway)).isTrue();
        assertThat(AccessLogQueries.atSource(AccessLogQueries.INGRESS, sleep)).isFalse();
        assertThat(AccessLogQueries.atSource("sleep", sleep)).isTrue();
        assertThat(AccessLogQueries.atSource("sleep-v1-abc", sleep)).isTrue();
        assertThat(AccessLogQueries.atSource("sleep", sleepServing))
                .as("inbound is not the source")
                .isFalse();
        assertThat(AccessLogQueries.loggedBy("sleep", sleepServing)).isTrue();
    }

    @Test
    void aWorkloadAtAClusterIsItsPodsInThatClusterOnly() {
        MeshAccess.LogEntry inCluster1 =
                outbound("sleep-1", Map.of("app", "sleep", "topology.istio.io/cluster", "cluster1"), "a", "-");
        MeshAccess.LogEntry inCluster2 =
                outbound("sleep-2", Map.of("app", "sleep", "topology.istio.io/cluster", "cluster2"), "b", "-");

        assertThat(AccessLogQueries.atSource("sleep@cluster1", inCluster1)).isTrue();
        assertThat(AccessLogQueries.atSource("sleep@cluster1", inCluster2)).isFalse();
        assertThat(AccessLogQueries.atSource("sleep-2@cluster2", inCluster2)).isTrue();
        assertThat(AccessLogQueries.atSource("sleep", inCluster2))
                .as("no cluster named: any")
                .isTrue();
        assertThat(AccessLogQueries.atSource("sleep@cluster3", inCluster1)).isFalse();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = ';',
            value = {
                "outbound|9080|v1|reviews.default.svc.cluster.local; reviews",
                "outbound|8000||httpbin; httpbin",
                "inbound|9080||; ''",
                "PassthroughCluster; ''",
                "''; ''"
            })
    void theServiceOfAnOutboundCluster(String cluster, String service) {
        assertThat(AccessLogQueries.serviceOf(cluster)).isEqualTo(service);
    }

    @Test
    void refusalsByRbacNameTheProxyAndTheDecidingRuleOrTheDefaultDeny() {
        MeshAccess.LogEntry byRule = new MeshAccess.LogEntry(
                "httpbin-v1-pod",
                Map.of("app", "httpbin"),
                "inbound",
                "a-1",
                403,
                "-",
                "",
                "",
                1,
                "httpbin:8000",
                "rbac_access_denied_matched_policy[ns[foo]-policy[deny-method-get]-rule[0]]");
        MeshAccess.LogEntry byDefault = new MeshAccess.LogEntry(
                "gw",
                Map.of("istio", "ingressgateway"),
                "outbound",
                "a-2",
                403,
                "-",
                "",
                "",
                1,
                "bookinfo",
                "rbac_access_denied_matched_policy[none]");

        Map<String, Integer> denials = AccessLogQueries.authorizationDenials(
                java.util.Set.of("a-1", "a-2"),
                List.of(byRule, byDefault, inbound("a-3", "reviews", "v1", 200, "reviews:9080")));

        assertThat(denials)
                .containsOnly(
                        Map.entry(
                                "RBAC: access denied at httpbin's sidecar: denied by"
                                        + " ns[foo]-policy[deny-method-get]-rule[0]"
                                        + " (caller without a mutual TLS identity: plaintext)",
                                1),
                        Map.entry(
                                "RBAC: access denied at the ingress gateway: no ALLOW policy matched (default deny)",
                                1));
    }

    @Test
    void logEntriesReadFromJsonKeepTheDetailsAndOlderJsonWithoutThemReadsAsEmpty() throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        String base = "{\"pod\":\"p\",\"podLabels\":{},\"direction\":\"inbound\",\"requestId\":\"r\","
                + "\"responseCode\":403,\"responseFlags\":\"-\",\"upstreamCluster\":\"\",\"routeName\":\"\","
                + "\"durationMs\":1.0,\"authority\":\"a\"";

        MeshAccess.LogEntry with = json.readValue(
                base + ",\"responseCodeDetails\":\"rbac_access_denied_matched_policy[none]\"}",
                MeshAccess.LogEntry.class);
        MeshAccess.LogEntry without = json.readValue(base + "}", MeshAccess.LogEntry.class);

        assertThat(with.responseCodeDetails()).isEqualTo("rbac_access_denied_matched_policy[none]");
        assertThat(without.responseCodeDetails()).isEmpty();
        assertThat(without.downstreamPeerUriSan()).isEmpty();
        assertThat(json.readValue(json.writeValueAsString(with), MeshAccess.LogEntry.class))
                .isEqualTo(with);
    }

    @Test
    void aGatewayApiGatewaysRefusalNamesThatGateway() {
        MeshAccess.LogEntry e = new MeshAccess.LogEntry(
                "bookinfo-gateway-istio-1",
                Map.of("gateway.networking.k8s.io/gateway-name", "bookinfo-gateway"),
                "inbound",
                "r",
                403,
                "-",
                "",
                "",
                1,
                "bookinfo",
                "rbac_access_denied_matched_policy[none]",
                "");

        assertThat(AccessLogQueries.denial(e))
                .contains("RBAC: access denied at gateway bookinfo-gateway: no ALLOW policy matched (default deny)");
    }

    private static MeshAccess.LogEntry refused(String app, int code, String details, String peer) {
        return new MeshAccess.LogEntry(
                app + "-v1-pod", Map.of("app", app), "inbound", "r", code, "-", "", "", 1, app, details, peer);
    }

    @Test
    void aRefusalNamesTheCallersMutualTlsIdentity() {
        MeshAccess.LogEntry e = refused(
                "ratings",
                403,
                "rbac_access_denied_matched_policy[none]",
                "spiffe://cluster.local/ns/default/sa/bookinfo-reviews");

        assertThat(AccessLogQueries.denial(e))
                .hasValue("RBAC: access denied at ratings's sidecar: no ALLOW policy matched (default deny)"
                        + " (caller spiffe://cluster.local/ns/default/sa/bookinfo-reviews)");
    }

    @Test
    void aTokenRefusedByRequestAuthenticationSaysSoWithEnvoysStatus() {
        MeshAccess.LogEntry e = refused(
                "httpbin",
                401,
                "jwt_authn_access_denied{Jwt_verification_fails}",
                "spiffe://cluster.local/ns/foo/sa/sleep");

        assertThat(AccessLogQueries.denial(e))
                .hasValue("JWT refused at httpbin's sidecar (RequestAuthentication): Jwt verification fails"
                        + " (caller spiffe://cluster.local/ns/foo/sa/sleep)");
    }

    @Test
    void aRequestTheProxyDidNotRefuseItselfHasNoDenial() {
        assertThat(AccessLogQueries.denial(refused("httpbin", 403, "via_upstream", "")))
                .isEmpty();
        assertThat(AccessLogQueries.denial(refused("httpbin", 200, "", ""))).isEmpty();
    }

    @Test
    void aRefusalByTheExternalAuthorizerNamesTheCustomPolicy() {
        assertThat(AccessLogQueries.denial(refused("httpbin", 403, "ext_authz_denied", "")))
                .hasValue("refused at httpbin's sidecar by the CUSTOM AuthorizationPolicy's external authorizer"
                        + " (caller without a mutual TLS identity: plaintext)");
    }

    @Test
    void aGatewayApiGatewayIsNamedAndItsCallersHaveNoIdentityToName() {
        MeshAccess.LogEntry e = new MeshAccess.LogEntry(
                "bookinfo-gateway-istio-1",
                Map.of("gateway.networking.k8s.io/gateway-name", "bookinfo-gateway"),
                "outbound",
                "r",
                403,
                "-",
                "",
                "",
                1,
                "bookinfo",
                "rbac_access_denied_matched_policy[none]",
                "");

        assertThat(AccessLogQueries.denial(e))
                .hasValue("RBAC: access denied at gateway bookinfo-gateway: no ALLOW policy matched (default deny)");
    }
}
