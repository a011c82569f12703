package dev.meshbox.controlplane.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.config.AuthorizationPolicy;
import dev.meshbox.controlplane.config.IstioParser;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Istio's rule for HTTP-only fields on a TCP filter chain (authz-tcp task): an ALLOW rule with one is dropped whole, a
 * DENY rule loses only the field, so it matches more.
 */
class AuthorizationOnTcpTest {

    private static AuthorizationPolicy policy(String action, String rules) {
        var r = new IstioParser().parse("tcp.yaml", """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: tcp-policy, namespace: foo}
                spec:
                  selector: {matchLabels: {app: tcp-echo}}
                  action: %s
                  rules: %s
                """.formatted(action, rules));
        assertThat(r.problems()).isEmpty();
        return (AuthorizationPolicy) r.resources().get(0);
    }

    @Test
    void anAllowRuleWithAMethodIsDroppedWholeSoPort9000IsDenied() {
        Map<String, Policy> tcp = AuthorizationTranslator.policiesForTcp(
                policy("ALLOW", "[{to: [{operation: {methods: [GET], ports: [\"9000\"]}}]}]"));

        assertThat(tcp).isEmpty();
    }

    @Test
    void anAllowRuleWithPortsOnlyIsKept() {
        Map<String, Policy> tcp = AuthorizationTranslator.policiesForTcp(
                policy(
                        "ALLOW",
                        "[{to: [{operation: {methods: [GET], ports: [\"9000\"]}}]}, {to: [{operation: {ports: [\"9001\"]}}]}]"));

        assertThat(tcp).containsOnlyKeys("ns[foo]-policy[tcp-policy]-rule[1]");
    }

    @Test
    void aDenyOnAMethodLosesTheMethodAndDeniesEveryConnection() {
        Map<String, Policy> tcp =
                AuthorizationTranslator.policiesForTcp(policy("DENY", "[{to: [{operation: {methods: [GET]}}]}]"));

        Permission p = tcp.get("ns[foo]-policy[tcp-policy]-rule[0]").getPermissions(0);
        // An AND of nothing: it matches every connection, as Istio's permissionAny.
        assertThat(p.getAndRules().getRulesList()).isEmpty();
    }

    @Test
    void aDenyOnAMethodAndAPortKeepsThePort() {
        Map<String, Policy> tcp = AuthorizationTranslator.policiesForTcp(
                policy("DENY", "[{to: [{operation: {methods: [GET], ports: [\"9000\"]}}]}]"));

        Permission p = tcp.get("ns[foo]-policy[tcp-policy]-rule[0]").getPermissions(0);
        assertThat(p.getAndRules().getRulesList())
                .singleElement()
                .satisfies(port -> assertThat(port.getOrRules().getRules(0).getDestinationPort())
                        .isEqualTo(9000));
    }

    @Test
    void requestPrincipalsAndRequestConditionsAreHttpOnlyToo() {
        AuthorizationPolicy deny = policy(
                "DENY",
                "[{from: [{source: {requestPrincipals: [\"*\"], namespaces: [bar]}}],"
                        + " when: [{key: \"request.headers[x-token]\", values: [guest]}]}]");

        AuthorizationPolicy.Rule rule =
                RbacRules.forTcp(deny.rules().get(0), deny.action()).orElseThrow();

        assertThat(rule.from().get(0).values()).containsOnlyKeys("namespaces");
        assertThat(rule.when()).isEmpty();
        assertThat(RbacRules.forTcp(deny.rules().get(0), AuthorizationPolicy.Action.ALLOW))
                .isEmpty();
    }
}
