package dev.meshbox.controlplane.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.config.PeerAuthentication.Mode;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.controlplane.registry.ServiceRegistry;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * PeerAuthentication as Istio resolves and generates it: the effective mode per workload and target port (mesh <
 * namespace < workload, oldest wins, UNSET inherits), the inbound filter chains per mode (BEYOND-TRAFFIC 1.3's
 * table), and auto mTLS leaving out endpoints that DISABLE it.
 */
class PeerAuthenticationTranslationTest {

    /** httpbin in foo and bar, with the old docs' 8000 -> 80 port, and a second port 9000; sleep in foo. */
    private static final Pod HTTPBIN_FOO = pod("httpbin-foo", "foo", "httpbin", 1);

    private static final Pod HTTPBIN_BAR = pod("httpbin-bar", "bar", "httpbin", 2);
    private static final Pod SLEEP_FOO = pod("sleep-foo", "foo", "sleep", 3);

    private static Pod pod(String name, String namespace, String app, int n) {
        return new Pod(
                name, namespace, "127.10.1." + n, "127.20.1." + n, Map.of("app", app), Pod.ProxyKind.SIDECAR, true);
    }

    private static ServiceRegistry registry() {
        ServiceRegistry r = new ServiceRegistry();
        for (String ns : List.of("foo", "bar")) {
            r.putService(new MeshService(
                    "httpbin",
                    ns,
                    List.of(new ServicePort("http", 8000, 80, "HTTP"), new ServicePort("admin", 9000, 9000, "HTTP")),
                    Map.of("app", "httpbin")));
        }
        r.putService(new MeshService("sleep", "foo", List.of(ServicePort.http(80)), Map.of("app", "sleep")));
        List.of(HTTPBIN_FOO, HTTPBIN_BAR, SLEEP_FOO).forEach(r::putPod);
        return r;
    }

    private static ConfigStore store(String... policies) {
        ConfigStore store = new ConfigStore();
        for (int i = 0; i < policies.length; i++) {
            var result = store.apply("pa-" + i + ".yaml", policies[i]);
            assertThat(result.problems()).isEmpty();
        }
        return store;
    }

    private static MeshView view(MeshView.MeshSecurity security, String... policies) {
        return new MeshView(store(policies).snapshot(), registry().snapshot(), security);
    }

    static String pa(String namespace, String name, String spec) {
        return """
                apiVersion: security.istio.io/v1beta1
                kind: PeerAuthentication
                metadata: {name: %s, namespace: %s}
                spec: %s
                """.formatted(name, namespace, spec);
    }

    static final String MESH_STRICT = pa("istio-system", "default", "{mtls: {mode: STRICT}}");
    static final String MESH_UNSET = pa("istio-system", "default", "{}");
    static final String FOO_STRICT = pa("foo", "default", "{mtls: {mode: STRICT}}");
    static final String FOO_PERMISSIVE_NEWER = pa("foo", "zzz-newer", "{mtls: {mode: PERMISSIVE}}");
    static final String FOO_DISABLE_NAMED_FIRST = pa("foo", "aaa", "{mtls: {mode: DISABLE}}");
    static final String FOO_UNSET = pa("foo", "default", "{mtls: {mode: UNSET}}");
    static final String BAR_HTTPBIN_STRICT =
            pa("bar", "httpbin", "{selector: {matchLabels: {app: httpbin}}, mtls: {mode: STRICT}}");
    static final String BAR_HTTPBIN_STRICT_PORT_80_DISABLE = pa(
            "bar",
            "httpbin",
            "{selector: {matchLabels: {app: httpbin}}, mtls: {mode: STRICT}, portLevelMtls: {80: {mode: DISABLE}}}");
    static final String FOO_OVERWRITE_DISABLE =
            pa("foo", "overwrite-example", "{selector: {matchLabels: {app: httpbin}}, mtls: {mode: DISABLE}}");
    static final String FOO_WORKLOAD_PERMISSIVE_NEWER =
            pa("foo", "a-newer", "{selector: {matchLabels: {app: httpbin}}, mtls: {mode: PERMISSIVE}}");
    static final String FOO_WORKLOAD_UNSET_PORT_UNSET = pa(
            "foo",
            "inherit",
            "{selector: {matchLabels: {app: httpbin}}, portLevelMtls: {9000: {mode: UNSET}, 80: {mode: DISABLE}}}");
    static final String ROOT_WITH_SELECTOR =
            pa("istio-system", "selects", "{selector: {matchLabels: {app: httpbin}}, mtls: {mode: DISABLE}}");

    static Stream<Arguments> resolution() {
        return Stream.of(
                Arguments.of("no policy: Istio's default", List.of(), HTTPBIN_FOO, 80, Mode.PERMISSIVE),
                Arguments.of("mesh STRICT", List.of(MESH_STRICT), HTTPBIN_BAR, 80, Mode.STRICT),
                Arguments.of("mesh UNSET is PERMISSIVE", List.of(MESH_UNSET), HTTPBIN_BAR, 80, Mode.PERMISSIVE),
                Arguments.of("namespace STRICT", List.of(FOO_STRICT), HTTPBIN_FOO, 80, Mode.STRICT),
                Arguments.of(
                        "namespace STRICT, other namespace", List.of(FOO_STRICT), HTTPBIN_BAR, 80, Mode.PERMISSIVE),
                Arguments.of(
                        "namespace UNSET inherits the mesh",
                        List.of(MESH_STRICT, FOO_UNSET),
                        HTTPBIN_FOO,
                        80,
                        Mode.STRICT),
                Arguments.of(
                        "only the oldest namespace policy counts",
                        List.of(FOO_STRICT, FOO_PERMISSIVE_NEWER),
                        HTTPBIN_FOO,
                        80,
                        Mode.STRICT),
                Arguments.of(
                        "oldest by creation, not by name",
                        List.of(FOO_STRICT, FOO_DISABLE_NAMED_FIRST),
                        HTTPBIN_FOO,
                        80,
                        Mode.STRICT),
                Arguments.of("workload STRICT", List.of(BAR_HTTPBIN_STRICT), HTTPBIN_BAR, 80, Mode.STRICT),
                Arguments.of(
                        "port-level DISABLE on the target port",
                        List.of(BAR_HTTPBIN_STRICT_PORT_80_DISABLE),
                        HTTPBIN_BAR,
                        80,
                        Mode.DISABLE),
                Arguments.of(
                        "port-level, another port keeps the workload mode",
                        List.of(BAR_HTTPBIN_STRICT_PORT_80_DISABLE),
                        HTTPBIN_BAR,
                        9000,
                        Mode.STRICT),
                Arguments.of(
                        "workload DISABLE beats namespace STRICT",
                        List.of(FOO_STRICT, FOO_OVERWRITE_DISABLE),
                        HTTPBIN_FOO,
                        80,
                        Mode.DISABLE),
                Arguments.of(
                        "workload policy selects only its labels",
                        List.of(FOO_STRICT, FOO_OVERWRITE_DISABLE),
                        SLEEP_FOO,
                        80,
                        Mode.STRICT),
                Arguments.of(
                        "the oldest of two matching workload policies wins",
                        List.of(FOO_OVERWRITE_DISABLE, FOO_WORKLOAD_PERMISSIVE_NEWER),
                        HTTPBIN_FOO,
                        80,
                        Mode.DISABLE),
                Arguments.of(
                        "workload UNSET inherits the namespace; a port UNSET inherits the workload",
                        List.of(FOO_STRICT, FOO_WORKLOAD_UNSET_PORT_UNSET),
                        HTTPBIN_FOO,
                        9000,
                        Mode.STRICT),
                Arguments.of(
                        "workload UNSET with a port-level DISABLE",
                        List.of(FOO_STRICT, FOO_WORKLOAD_UNSET_PORT_UNSET),
                        HTTPBIN_FOO,
                        80,
                        Mode.DISABLE),
                Arguments.of(
                        "a selector policy in the root namespace is ignored",
                        List.of(MESH_STRICT, ROOT_WITH_SELECTOR),
                        HTTPBIN_FOO,
                        80,
                        Mode.STRICT));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("resolution")
    void theEffectiveModeIsIstios(String name, List<String> policies, Pod workload, int port, Mode expected) {
        PeerAuthentications index =
                PeerAuthentications.of(store(policies.toArray(String[]::new)).snapshot());

        assertThat(index.effective(workload.namespace(), workload.labels()).at(port))
                .isEqualTo(expected);
    }

    @Test
    void ignoredPoliciesAreWarnedAbout() {
        XdsResources r = Translator.translate(
                view(MeshView.MeshSecurity.AUTO_MTLS, FOO_STRICT, FOO_PERMISSIVE_NEWER, ROOT_WITH_SELECTOR),
                HTTPBIN_FOO);

        assertThat(r.warnings())
                .contains(
                        "PeerAuthentication foo/zzz-newer: ignored, PeerAuthentication foo/default is older and Istio"
                                + " counts only the oldest namespace-wide PeerAuthentication",
                        "PeerAuthentication istio-system/selects: a policy with a selector in the root namespace"
                                + " istio-system is ignored, as Istio ignores it; put it in the workload's namespace");
    }

    private static Listener inbound(MeshView view, Pod pod) {
        return Translator.translate(view, pod).listeners().stream()
                .filter(l -> l.getName().equals("virtualInbound"))
                .findFirst()
                .orElseThrow();
    }

    /** Chain name and transport protocol ("" for any) of each inbound chain. */
    private static List<String> chains(Listener inbound) {
        return inbound.getFilterChainsList().stream()
                .map(c -> c.getName() + " " + c.getFilterChainMatch().getTransportProtocol()
                        + (c.hasTransportSocket() ? " terminates-mtls" : ""))
                .map(String::trim)
                .toList();
    }

    static Stream<Arguments> chainTable() {
        return Stream.of(
                Arguments.of(
                        "PERMISSIVE: mTLS and plaintext",
                        List.of(),
                        List.of(
                                "0.0.0.0_80_mtls tls terminates-mtls",
                                "0.0.0.0_80 raw_buffer",
                                "0.0.0.0_9000_mtls tls terminates-mtls",
                                "0.0.0.0_9000 raw_buffer")),
                Arguments.of(
                        "STRICT: only the mTLS chain",
                        List.of(BAR_HTTPBIN_STRICT),
                        List.of("0.0.0.0_80_mtls tls terminates-mtls", "0.0.0.0_9000_mtls tls terminates-mtls")),
                Arguments.of(
                        "DISABLE: only the plaintext chain",
                        List.of(pa("bar", "default", "{mtls: {mode: DISABLE}}")),
                        List.of("0.0.0.0_80 raw_buffer", "0.0.0.0_9000 raw_buffer")),
                Arguments.of(
                        "STRICT with port 80 DISABLE",
                        List.of(BAR_HTTPBIN_STRICT_PORT_80_DISABLE),
                        List.of("0.0.0.0_80 raw_buffer", "0.0.0.0_9000_mtls tls terminates-mtls")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("chainTable")
    void inboundChainsFollowTheModeOfEachPort(String name, List<String> policies, List<String> expected) {
        Listener inbound = inbound(view(MeshView.MeshSecurity.AUTO_MTLS, policies.toArray(String[]::new)), HTTPBIN_BAR);

        assertThat(chains(inbound)).containsExactlyElementsOf(expected);
        assertThat(inbound.getListenerFilters(0).getName()).isEqualTo("envoy.filters.listener.tls_inspector");
    }

    @Test
    void aMeshWithoutAutoMtlsStaysPlaintextUntilAPolicyApplies() {
        assertThat(chains(inbound(view(MeshView.MeshSecurity.PLAINTEXT), HTTPBIN_BAR)))
                .containsExactly("0.0.0.0_80", "0.0.0.0_9000");

        assertThat(chains(inbound(view(MeshView.MeshSecurity.PLAINTEXT, MESH_STRICT), HTTPBIN_BAR)))
                .containsExactly("0.0.0.0_80_mtls tls terminates-mtls", "0.0.0.0_9000_mtls tls terminates-mtls");
    }

    @Test
    void aWorkloadPolicyGivesOnlyTheWorkloadsItSelectsTheirOwnListeners() {
        MeshView view = view(MeshView.MeshSecurity.AUTO_MTLS, FOO_OVERWRITE_DISABLE);
        List<XdsResources> r = Translator.translateAll(view, List.of(HTTPBIN_FOO, SLEEP_FOO));

        assertThat(chains(inbound(view, HTTPBIN_FOO)))
                .containsExactly("0.0.0.0_80 raw_buffer", "0.0.0.0_9000 raw_buffer");
        assertThat(chains(inbound(view, SLEEP_FOO)))
                .containsExactly("0.0.0.0_80_mtls tls terminates-mtls", "0.0.0.0_80 raw_buffer");
        assertThat(r.get(0)).isNotSameAs(r.get(1));
    }

    private static List<LbEndpoint> endpoints(MeshView view, String cluster) {
        ClusterLoadAssignment cla = Translator.translate(view, SLEEP_FOO).endpoints().stream()
                .filter(e -> e.getClusterName().equals(cluster))
                .findFirst()
                .orElseThrow();
        return cla.getEndpoints(0).getLbEndpointsList();
    }

    private static boolean offeredMtls(LbEndpoint e) {
        return e.getMetadata().containsFilterMetadata("envoy.transport_socket_match");
    }

    @Test
    void autoMtlsNeverOffersMtlsToAnEndpointThatDisablesItOnThatPort() {
        MeshView view = view(MeshView.MeshSecurity.AUTO_MTLS, BAR_HTTPBIN_STRICT_PORT_80_DISABLE);

        assertThat(endpoints(view, "outbound|8000||httpbin.bar.svc.cluster.local"))
                .singleElement()
                .satisfies(e -> assertThat(offeredMtls(e)).isFalse());
        assertThat(endpoints(view, "outbound|9000||httpbin.bar.svc.cluster.local"))
                .singleElement()
                .satisfies(e -> assertThat(offeredMtls(e)).isTrue());
        assertThat(endpoints(view, "outbound|8000||httpbin.foo.svc.cluster.local"))
                .singleElement()
                .satisfies(e -> assertThat(offeredMtls(e)).isTrue());
    }

    @Test
    void theStrictChainIsTheSameMtlsChainPermissiveHas() {
        MeshView strict = view(MeshView.MeshSecurity.AUTO_MTLS, BAR_HTTPBIN_STRICT);
        MeshView permissive = view(MeshView.MeshSecurity.AUTO_MTLS);

        FilterChain s = inbound(strict, HTTPBIN_BAR).getFilterChains(0);
        FilterChain p = inbound(permissive, HTTPBIN_BAR).getFilterChains(0);
        assertThat(s).isEqualTo(p);
    }
}
