package dev.meshbox.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meshbox.controlplane.config.OutboundTrafficPolicy;
import org.junit.jupiter.api.Test;

/** The mesh config's outboundTrafficPolicy, as Istio's egress-control task sets it; bad input named by field. */
class OutboundTrafficPolicyConfigTest {

    @Test
    void theEgressTasksRegistryOnlyIsReadBesideTheProviders() {
        MeshConfigFile.Settings s = MeshConfigFile.read("mesh.yaml", """
                outboundTrafficPolicy:
                  mode: REGISTRY_ONLY
                extensionProviders:
                - name: authz
                  envoyExtAuthzHttp: {service: ext-authz.foo.svc.cluster.local, port: 8000}
                """);

        assertThat(s.outboundTrafficPolicy()).isEqualTo(OutboundTrafficPolicy.REGISTRY_ONLY);
        assertThat(s.extensionProviders()).hasSize(1);
        assertThat(s.applyTo(SecurityOptions.DEFAULTS).outboundTrafficPolicy())
                .isEqualTo(OutboundTrafficPolicy.REGISTRY_ONLY);
    }

    @Test
    void allowAnyIsIstiosDefault() {
        assertThat(MeshConfigFile.read("mesh.yaml", "enableAutoMtls: true\n").outboundTrafficPolicy())
                .isEqualTo(OutboundTrafficPolicy.ALLOW_ANY);
        assertThat(SecurityOptions.DEFAULTS.outboundTrafficPolicy()).isEqualTo(OutboundTrafficPolicy.ALLOW_ANY);
    }

    @Test
    void anUnknownModeIsRefusedNamingFileAndField() {
        assertThatThrownBy(() -> MeshConfigFile.read("mesh.yaml", "outboundTrafficPolicy: {mode: DENY_ALL}\n"))
                .hasMessage("mesh.yaml: outboundTrafficPolicy.mode: must be ALLOW_ANY or REGISTRY_ONLY, got"
                        + " \"DENY_ALL\"");
        assertThatThrownBy(() -> MeshConfigFile.read("mesh.yaml", "outboundTrafficPolicy: {mod: REGISTRY_ONLY}\n"))
                .hasMessageStartingWith("mesh.yaml: outboundTrafficPolicy.mod: unknown field");
    }
}
