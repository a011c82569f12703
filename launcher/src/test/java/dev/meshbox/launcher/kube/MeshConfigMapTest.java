package dev.meshbox.launcher.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.config.OutboundTrafficPolicy;
import dev.meshbox.controlplane.security.MeshConfigFile;
import io.fabric8.kubernetes.api.model.ConfigMap;
import org.junit.jupiter.api.Test;

/** The mesh config as ConfigMap istio-system/istio: what the control plane reads back is what was given. */
class MeshConfigMapTest {

    private static final String MESH = """
            outboundTrafficPolicy: {mode: REGISTRY_ONLY}
            defaultConfig:
              tracing: {sampling: 100}
            defaultProviders: {tracing: [zipkin-w3c]}
            extensionProviders:
            - name: zipkin-w3c
              zipkin: {service: zipkin.istio-system.svc.cluster.local, port: 9411,
                       traceContextOption: USE_B3_WITH_W3C_PROPAGATION}
            - name: sample-ext-authz-http
              envoyExtAuthzHttp:
                service: ext-authz.foo.svc.cluster.local
                port: 8000
                pathPrefix: /check
                timeout: 0.5s
                includeRequestHeadersInCheck: [x-ext-authz]
                headersToUpstreamOnAllow: [x-ext-authz-check-result]
            """;

    @Test
    void theSettingsRoundTripThroughTheConfigMap() {
        MeshConfigFile.Settings given = MeshConfigFile.read("mesh.yaml", MESH);
        ConfigMap map = MeshConfigMap.object("abc123", given);

        assertThat(map.getMetadata().getName()).isEqualTo("istio");
        assertThat(map.getMetadata().getNamespace()).isEqualTo("istio-system");
        assertThat(map.getMetadata().getLabels())
                .containsEntry(KubeMesh.MANAGED_BY, "meshbox")
                .containsEntry(KubeMesh.MESH, "abc123");
        String mesh = map.getData().get("mesh");
        assertThat(mesh).contains("REGISTRY_ONLY");
        assertThat(given.tracing().sampling()).isEqualTo(100.0);
        assertThat(MeshConfigFile.read("configmap", mesh)).isEqualTo(given);
    }

    @Test
    void istiosDefaultsAreAnEmptyMeshConfig() {
        String mesh = MeshConfigMap.yaml(MeshConfigFile.Settings.DEFAULTS);
        assertThat(mesh).isEqualTo("{}\n");
        assertThat(MeshConfigFile.read("configmap", mesh).outboundTrafficPolicy())
                .isEqualTo(OutboundTrafficPolicy.ALLOW_ANY);
    }
}
