package dev.meshbox.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** ServiceEntry read and checked as Istio's webhook ({@code ValidateServiceEntry}) checks it. */
class ServiceEntryParserTest {

    private final IstioParser parser = new IstioParser();

    private static final String HEAD = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata:
              name: httpbin-ext
            spec:
            """;

    @Test
    void theEgressTasksEntryReadsWithIstiosDefaults() {
        ParseResult r = parser.parse("se.yaml", HEAD + """
                  hosts:
                  - httpbin.org
                  ports:
                  - number: 80
                    name: http
                    protocol: HTTP
                  resolution: DNS
                  location: MESH_EXTERNAL
                """);

        assertThat(r.problems()).isEmpty();
        ServiceEntry se = (ServiceEntry) r.resources().get(0);
        assertThat(se.meta().display()).isEqualTo("ServiceEntry default/httpbin-ext");
        assertThat(se.hosts()).containsExactly("httpbin.org");
        assertThat(se.ports()).containsExactly(new ServiceEntry.Port(80, "http", "HTTP", 0));
        assertThat(se.resolution().clusterType()).isEqualTo("STRICT_DNS");
        assertThat(se.location()).isEqualTo(ServiceEntry.Location.MESH_EXTERNAL);
        assertThat(se.exportTo()).containsExactly("*");
    }

    @ParameterizedTest
    @ValueSource(strings = {"v1alpha3", "v1beta1", "v1"})
    void everyServedVersionReads(String version) {
        ParseResult r = parser.parse(
                "se.yaml",
                HEAD.replace("/v1", "/" + version)
                        + "  hosts: [api.example.com]\n  ports: [{number: 443, name: https, protocol: HTTPS}]\n");

        assertThat(r.problems()).isEmpty();
    }

    @Test
    void staticEndpointsWithPortsAndAWildcardNoneEntryRead() {
        ParseResult r = parser.parse("se.yaml", HEAD + """
                  hosts: [stand-in.example.com]
                  addresses: [240.0.0.10]
                  ports: [{number: 80, name: http, protocol: http, targetPort: 18080}]
                  resolution: STATIC
                  endpoints:
                  - address: 127.0.0.1
                    ports: {http: 18081}
                    labels: {version: v1}
                  exportTo: [.]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: wildcard, namespace: egress}
                spec:
                  hosts: ["*.wikipedia.org"]
                  ports: [{number: 443, name: tls, protocol: TLS}]
                """);

        assertThat(r.problems()).isEmpty();
        ServiceEntry se = (ServiceEntry) r.resources().get(0);
        assertThat(se.ports().get(0).protocol()).isEqualTo("HTTP");
        assertThat(se.endpoints()).singleElement().satisfies(e -> {
            assertThat(e.portFor(se.ports().get(0))).isEqualTo(18081);
            assertThat(e.labels()).isEqualTo(Map.of("version", "v1"));
        });
        assertThat(se.visibleFrom("default")).isTrue();
        assertThat(se.visibleFrom("other")).isFalse();
        ServiceEntry wildcard = (ServiceEntry) r.resources().get(1);
        assertThat(wildcard.resolution()).isEqualTo(ServiceEntry.Resolution.NONE);
        assertThat(wildcard.hosts()).isEqualTo(List.of("*.wikipedia.org"));
    }

    @Test
    void aWorkloadEntryWithoutAnAddressIsRefusedAsIstiosWebhookRefusesIt() {
        ParseResult r = parser.parse("we.yaml", """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: vm-1, namespace: vms}
                spec:
                  labels: {app: legacy}
                  ports: {http: 70000}
                """);

        assertThat(r.resources()).isEmpty();
        assertThat(r.problems())
                .extracting(Object::toString)
                .containsExactly(
                        "we.yaml: WorkloadEntry vms/vm-1: spec.address: address must be set",
                        "we.yaml: WorkloadEntry vms/vm-1: spec.ports.http: port number 70000 must be in the range"
                                + " 1..65535");
    }

    static Stream<Arguments> invalid() {
        String http = "  ports: [{number: 80, name: http, protocol: HTTP}]\n";
        return Stream.of(
                Arguments.of(
                        "no ports",
                        "  hosts: [httpbin.org]\n  resolution: DNS\n",
                        "spec.ports",
                        "service entry must have at least one port"),
                Arguments.of("no hosts", http, "spec.hosts", "service entry must have at least one host"),
                Arguments.of("the full wildcard", "  hosts: ['*']\n" + http, "spec.hosts[0]", "invalid host *"),
                Arguments.of(
                        "DNS resolution with an IP host",
                        "  hosts: [10.1.2.3]\n  resolution: DNS\n" + http,
                        "spec.hosts[0]",
                        "hosts must be FQDN for resolution mode DNS, got the IP address \"10.1.2.3\""),
                Arguments.of(
                        "an IP host",
                        "  hosts: [10.1.2.3]\n" + http,
                        "spec.hosts[0]",
                        "top level domain \"3\" cannot be all-numeric"),
                Arguments.of(
                        "a wildcard host with STATIC resolution",
                        "  hosts: ['*.example.com']\n  resolution: STATIC\n  endpoints: [{address: 127.0.0.1}]\n"
                                + http,
                        "spec.hosts[0]",
                        "wildcard host *.example.com is not allowed with resolution STATIC"),
                Arguments.of(
                        "a wildcard inside a host",
                        "  hosts: ['api.*.com']\n" + http,
                        "spec.hosts[0]",
                        "a wildcard is only allowed as the first label"),
                Arguments.of(
                        "endpoints with NONE",
                        "  hosts: [a.example.com]\n  endpoints: [{address: 127.0.0.1}]\n" + http,
                        "spec.endpoints",
                        "no endpoints should be provided for resolution type none"),
                Arguments.of(
                        "endpoints and a workload selector",
                        "  hosts: [a.example.com]\n  resolution: STATIC\n  endpoints: [{address: 127.0.0.1}]\n"
                                + "  workloadSelector: {labels: {app: vm}}\n" + http,
                        "spec.endpoints",
                        "only one of WorkloadSelector or Endpoints is allowed in Service Entry"),
                Arguments.of(
                        "a host name as a STATIC endpoint",
                        "  hosts: [a.example.com]\n  resolution: STATIC\n  endpoints: [{address: localhost}]\n" + http,
                        "spec.endpoints[0].address",
                        "\"localhost\" is not a valid IP address"),
                Arguments.of(
                        "two endpoints with DNS_ROUND_ROBIN",
                        "  hosts: [a.example.com]\n  resolution: DNS_ROUND_ROBIN\n"
                                + "  endpoints: [{address: a.example.net}, {address: b.example.net}]\n" + http,
                        "spec.endpoints",
                        "there must only be 0 or 1 endpoint for resolution mode DNS_ROUND_ROBIN"),
                Arguments.of(
                        "an endpoint port the entry does not define",
                        "  hosts: [a.example.com]\n  resolution: STATIC\n"
                                + "  endpoints: [{address: 127.0.0.1, ports: {grpc: 9000}}]\n" + http,
                        "spec.endpoints[0].ports.grpc",
                        "endpoint port 9000 is not defined by the service entry"),
                Arguments.of(
                        "a CIDR with DNS",
                        "  hosts: [a.example.com]\n  addresses: [10.0.0.0/16]\n  resolution: DNS\n" + http,
                        "spec.addresses[0]",
                        "CIDR addresses are allowed only for NONE/STATIC resolution types"),
                Arguments.of(
                        "two ports with one number",
                        "  hosts: [a.example.com]\n  ports: [{number: 80, name: http, protocol: HTTP},"
                                + " {number: 80, name: web, protocol: HTTP}]\n",
                        "spec.ports[1].number",
                        "service entry port 80 already defined"),
                Arguments.of(
                        "an unknown protocol",
                        "  hosts: [a.example.com]\n  ports: [{number: 80, name: http, protocol: SPDY}]\n",
                        "spec.ports[0].protocol",
                        "unsupported protocol: SPDY"),
                Arguments.of(
                        "several hosts on a TCP port with DNS",
                        "  hosts: [a.example.com, b.example.com]\n  resolution: DNS\n"
                                + "  ports: [{number: 5432, name: tcp, protocol: TCP}]\n",
                        "spec.hosts",
                        "multiple hosts provided with non-HTTP, non-TLS ports"),
                Arguments.of(
                        "an unknown resolution",
                        "  hosts: [a.example.com]\n  resolution: DYNAMIC\n" + http,
                        "spec.resolution",
                        "must be one of NONE, STATIC, DNS, DNS_ROUND_ROBIN, got \"DYNAMIC\""),
                Arguments.of(
                        "an unknown location",
                        "  hosts: [a.example.com]\n  location: OUTSIDE\n" + http,
                        "spec.location",
                        "must be one of MESH_EXTERNAL, MESH_INTERNAL, got \"OUTSIDE\""),
                Arguments.of(
                        "* with other exportTo values",
                        "  hosts: [a.example.com]\n  exportTo: ['*', foo]\n" + http,
                        "spec.exportTo",
                        "cannot have both public (*) and non-public exportTo values"),
                Arguments.of(
                        "an unknown field",
                        "  hosts: [a.example.com]\n  resolutions: DNS\n" + http,
                        "spec.resolutions",
                        "unknown field"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void invalidEntriesAreRefusedNamingFileResourceAndField(String name, String spec, String field, String message) {
        ParseResult r = parser.parse("se.yaml", HEAD + spec);

        assertThat(r.resources()).isEmpty();
        assertThat(r.problems()).anySatisfy(p -> {
            assertThat(p.source()).isEqualTo("se.yaml");
            assertThat(p.resource()).isEqualTo("ServiceEntry default/httpbin-ext");
            assertThat(p.field()).isEqualTo(field);
            assertThat(p.message()).contains(message);
        });
    }
}
