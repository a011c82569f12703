package dev.meshbox.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The mesh config's extensionProviders, as Istio's authz-custom task defines them; bad input named by field. */
class MeshConfigFileTest {

    @Test
    void theAuthzCustomTasksHttpProviderIsRead() {
        List<ExtAuthzProvider> providers = MeshConfigFile.extensionProviders("mesh.yaml", """
                accessLogFile: /dev/stdout
                extensionProviders:
                - name: sample-ext-authz-http
                  envoyExtAuthzHttp:
                    service: ext-authz.foo.svc.cluster.local
                    port: "8000"
                    includeRequestHeadersInCheck: ["x-ext-authz"]
                    timeout: 0.5s
                """);

        assertThat(providers).singleElement().satisfies(p -> {
            assertThat(p.name()).isEqualTo("sample-ext-authz-http");
            assertThat(p.hostname()).isEqualTo("ext-authz.foo.svc.cluster.local");
            assertThat(p.port()).isEqualTo(8000);
            assertThat(p.includeRequestHeadersInCheck()).containsExactly("x-ext-authz");
            assertThat(p.timeout()).isEqualTo(Duration.ofMillis(500));
            assertThat(p.statusOnError()).isEqualTo(403);
            assertThat(p.failOpen()).isFalse();
        });
        assertThat(MeshConfigFile.extensionProviders("mesh.yaml", "enableAutoMtls: true\n"))
                .isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            '[{envoyExtAuthzHttp: {service: a, port: 80}}]'                 | extensionProviders[0].name: is required
            '[{name: a, envoyExtAuthzGrpc: {service: a, port: 80}}]'        | extensionProviders[0]: only envoyExtAuthzHttp and zipkin providers are supported, got [envoyExtAuthzGrpc]
            '[{name: a, envoyExtAuthzHttp: {port: 80}}]'                    | extensionProviders[0].envoyExtAuthzHttp.service: is required
            '[{name: a, envoyExtAuthzHttp: {service: a, port: 0}}]'         | extensionProviders[0].envoyExtAuthzHttp.port: must be a port number
            '[{name: a, envoyExtAuthzHttp: {service: a, port: 80, colour: red}}]' | extensionProviders[0].envoyExtAuthzHttp.colour: unknown field
            '[{name: a, envoyExtAuthzHttp: {service: a, port: 80}}, {name: a, envoyExtAuthzHttp: {service: b, port: 80}}]' | extensionProviders[1].name: "a" is already used
            """)
    void badProvidersAreNamedByFileAndField(String providers, String expected) {
        assertThatThrownBy(() -> MeshConfigFile.extensionProviders("mesh.yaml", "extensionProviders: " + providers))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("mesh.yaml: ")
                .hasMessageContaining(expected);
    }
}
