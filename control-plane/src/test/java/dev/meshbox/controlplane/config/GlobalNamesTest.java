package dev.meshbox.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The older multi-cluster model's {@code .global} ServiceEntries: what is refused, what only warns. */
class GlobalNamesTest {

    private final IstioParser parser = new IstioParser();

    /** Istio 1.4's multicluster gateways doc, "Configure the example services", cluster1's entry. */
    private static final String HTTPBIN_BAR = """
            apiVersion: networking.istio.io/v1alpha3
            kind: ServiceEntry
            metadata:
              name: httpbin-bar
              namespace: foo
            spec:
              hosts:
              - httpbin.bar.global
              location: MESH_INTERNAL
              ports:
              - name: http1
                number: 8000
                protocol: http
              resolution: DNS
              addresses:
              - 240.0.0.2
              endpoints:
              - address: 127.0.2.1
                ports:
                  http1: 15443 # Do not change this port value
            """;

    @Test
    void theDocsEntryIsValidAndWarnsNothing() {
        ParseResult r = parser.parse("httpbin-bar.yaml", HTTPBIN_BAR);

        assertThat(r.problems()).isEmpty();
        assertThat(GlobalNames.warnings(entries(r))).isEmpty();
    }

    @Test
    void theEgressGatewayVariantWithTwoGatewayEndpointsIsValid() {
        ParseResult r = parser.parse(
                "httpbin-bar.yaml",
                HTTPBIN_BAR.replace("resolution: DNS", "resolution: STATIC")
                        + "  - address: 10.0.0.9\n    network: external\n    ports:\n      http1: 15443\n");

        assertThat(r.problems()).isEmpty();
    }

    @Test
    void anEntryWithoutAGatewayEndpointIsRefusedNamingTheField() {
        ParseResult r = parser.parse("httpbin-bar.yaml", HTTPBIN_BAR.replace("http1: 15443", "http1: 8000"));

        assertThat(r.problems()).hasSize(1);
        assertThat(r.problems().get(0).toString())
                .isEqualTo("httpbin-bar.yaml: ServiceEntry foo/httpbin-bar: spec.endpoints: a MESH_INTERNAL .global"
                        + " host needs an endpoint at the remote cluster's gateway port 15443, as Istio's multicluster"
                        + " gateways setup writes it (endpoints: [{address: <remote gateway address>, ports: {http1:"
                        + " 15443}}]); without it requests to httpbin.bar.global never leave this cluster");
    }

    @Test
    void anEntryWithoutEndpointsIsRefusedToo() {
        String noEndpoints = HTTPBIN_BAR.substring(0, HTTPBIN_BAR.indexOf("  endpoints:"));

        ParseResult r = parser.parse("httpbin-bar.yaml", noEndpoints);

        assertThat(r.problems()).extracting(ConfigProblem::field).containsExactly("spec.endpoints");
    }

    @Test
    void aHostThatIsNotNameDotNamespaceDotGlobalIsRefused() {
        ParseResult r = parser.parse("httpbin-bar.yaml", HTTPBIN_BAR.replace("httpbin.bar.global", "httpbin.global"));

        assertThat(r.problems()).hasSize(1);
        assertThat(r.problems().get(0).field()).isEqualTo("spec.hosts[0]");
        assertThat(r.problems().get(0).message())
                .startsWith("invalid .global host \"httpbin.global\": a MESH_INTERNAL .global host must be"
                        + " <name>.<namespace>.global");
    }

    @Test
    void deeperAndWildcardGlobalHostsAreRefused() {
        ParseResult deeper =
                parser.parse("se.yaml", HTTPBIN_BAR.replace("httpbin.bar.global", "v1.httpbin.bar.global"));
        ParseResult wildcard = parser.parse("se.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: bar-global
                spec:
                  hosts: ["*.bar.global"]
                  location: MESH_INTERNAL
                  ports: [{number: 8000, name: http1, protocol: HTTP}]
                  resolution: DNS
                  endpoints: [{address: 127.0.2.1, ports: {http1: 15443}}]
                """);

        assertThat(deeper.problems()).extracting(ConfigProblem::field).containsExactly("spec.hosts[0]");
        assertThat(wildcard.problems()).extracting(ConfigProblem::field).containsExactly("spec.hosts[0]");
    }

    @Test
    void anAddressOutsideClassEOnlyWarns() {
        ParseResult r = parser.parse("httpbin-bar.yaml", HTTPBIN_BAR.replace("240.0.0.2", "10.99.0.2"));

        assertThat(r.problems()).isEmpty();
        assertThat(GlobalNames.warnings(entries(r)))
                .containsExactly("ServiceEntry foo/httpbin-bar: spec.addresses[0]: address 10.99.0.2 of a .global host"
                        + " is outside 240.0.0.0/4; Istio's multicluster gateways setup takes .global addresses from"
                        + " the non-routable 240.0.0.0/4 so they never clash with a real one");
    }

    @Test
    void externalGlobalHostsAreAPublicTopLevelDomainAndStayValid() {
        ParseResult r = parser.parse("se.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: nic
                spec:
                  hosts: [nic.global]
                  location: MESH_EXTERNAL
                  ports: [{number: 443, name: https, protocol: TLS}]
                  resolution: DNS
                """);

        assertThat(r.problems()).isEmpty();
        assertThat(GlobalNames.warnings(entries(r))).isEmpty();
    }

    @Test
    void namesMapToTheServiceTheRemoteGatewayRewritesThemTo() {
        assertThat(GlobalNames.localName("httpbin.bar.global")).isEqualTo("httpbin.bar.svc.cluster.local");
        assertThat(GlobalNames.localName("httpbin.global")).isEmpty();
        assertThat(GlobalNames.inClassE("240.0.0.2")).isTrue();
        assertThat(GlobalNames.inClassE("255.255.255.254")).isTrue();
        assertThat(GlobalNames.inClassE("239.1.1.1")).isFalse();
    }

    private static List<ServiceEntry> entries(ParseResult r) {
        return r.resources().stream()
                .filter(ServiceEntry.class::isInstance)
                .map(ServiceEntry.class::cast)
                .toList();
    }
}
