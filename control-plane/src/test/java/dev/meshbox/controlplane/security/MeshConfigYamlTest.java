package dev.meshbox.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.config.OutboundTrafficPolicy;
import org.junit.jupiter.api.Test;

class MeshConfigYamlTest {

    @Test
    void writtenSettingsReadBackTheSame() {
        MeshConfigFile.Settings settings = MeshConfigFile.read("mesh.yaml", """
                outboundTrafficPolicy:
                  mode: REGISTRY_ONLY
                extensionProviders:
                - name: sample-ext-authz-http
                  envoyExtAuthzHttp:
                    service: ext-authz.foo.svc.cluster.local
                    port: 8000
                    pathPrefix: /check
                    timeout: 0.5s
                    failOpen: true
                    statusOnError: 503
                    includeRequestHeadersInCheck: ["x-ext-authz"]
                    headersToDownstreamOnDeny: ["x-ext-authz-check-result"]
                """);

        String yaml = MeshConfigYaml.write(settings);

        assertThat(MeshConfigFile.read("written", yaml)).isEqualTo(settings);
        assertThat(settings.outboundTrafficPolicy()).isEqualTo(OutboundTrafficPolicy.REGISTRY_ONLY);
    }

    @Test
    void tracingReadsBackTheSame() {
        MeshConfigFile.Settings settings = MeshConfigFile.read("mesh.yaml", """
                enableTracing: true
                defaultConfig:
                  tracing:
                    sampling: 100
                    zipkin: {address: "zipkin.istio-system:9411"}
                defaultProviders: {tracing: [zipkin-w3c]}
                extensionProviders:
                - name: zipkin-w3c
                  zipkin: {service: zipkin.istio-system.svc.cluster.local, port: 9411,
                           traceContextOption: USE_B3_WITH_W3C_PROPAGATION}
                """);

        assertThat(MeshConfigFile.read("written", MeshConfigYaml.write(settings)))
                .isEqualTo(settings);
        assertThat(settings.tracing().sampling()).isEqualTo(100.0);
    }

    @Test
    void defaultsReadBackAsDefaults() {
        assertThat(MeshConfigFile.read("written", MeshConfigYaml.write(MeshConfigFile.Settings.DEFAULTS)))
                .isEqualTo(MeshConfigFile.Settings.DEFAULTS);
    }
}
