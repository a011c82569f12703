package dev.meshbox.launcher.kube;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.meshbox.controlplane.kubernetes.IstioCrds;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The control plane's manifest keeps up with the kinds it watches: each one of {@link IstioCrds#KINDS} may be read and
 * written under the ClusterRole, and is checked by the validating webhook, as the kinds of security.istio.io were
 * added one by one.
 */
class ControlPlaneManifestTest {

    private static List<JsonNode> documents() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        List<JsonNode> out = new ArrayList<>();
        String text;
        try (InputStream in =
                ControlPlaneManifestTest.class.getResourceAsStream("/dev/meshbox/launcher/kube/control-plane.yaml")) {
            assertThat(in).isNotNull();
            // The launcher fills in the {{...}} placeholders; their names stand in for values here.
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8).replaceAll("\\{\\{([A-Z_]+)}}", "$1");
        }
        var it = yaml.readerFor(JsonNode.class).readValues(text);
        while (it.hasNextValue()) {
            out.add((JsonNode) it.nextValue());
        }
        return out;
    }

    /** "group/plural" for each rule entry of {@code rules}. */
    private static Set<String> granted(JsonNode rules) {
        Set<String> out = new HashSet<>();
        for (JsonNode rule : rules) {
            for (JsonNode group : rule.path("apiGroups")) {
                for (JsonNode resource : rule.path("resources")) {
                    out.add(group.asText() + "/" + resource.asText());
                }
            }
        }
        return out;
    }

    @Test
    void theIngressServiceHasIstiosHttpHttpsAndTcpPorts() throws Exception {
        JsonNode ingress = documents().stream()
                .filter(d -> d.path("kind").asText().equals("Service")
                        && d.path("metadata").path("name").asText().equals("istio-ingressgateway"))
                .findFirst()
                .orElseThrow();
        List<String> ports = new ArrayList<>();
        ingress.path("spec")
                .path("ports")
                .forEach(p -> ports.add(p.path("name").asText() + " "
                        + p.path("port").asInt() + "->" + p.path("targetPort").asInt()));
        assertThat(ports).contains("http2 80->8080", "https 443->8443", "tcp 31400->31400");
    }

    private static JsonNode ofKind(List<JsonNode> docs, String kind) {
        return docs.stream()
                .filter(d -> kind.equals(d.path("kind").asText()))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void everyWatchedKindIsInTheClusterRoleAndTheValidatingWebhook() throws Exception {
        List<JsonNode> docs = documents();
        Set<String> role = granted(ofKind(docs, "ClusterRole").path("rules"));
        Set<String> validated = granted(ofKind(docs, "ValidatingWebhookConfiguration")
                .path("webhooks")
                .get(0)
                .path("rules"));

        for (IstioCrds.Kind k : IstioCrds.KINDS) {
            assertThat(role).as("ClusterRole").contains(k.group() + "/" + k.plural());
            assertThat(validated).as("webhook rules").contains(k.group() + "/" + k.plural());
        }
        assertThat(role).contains("security.istio.io/peerauthentications");
        // Gateway credentials (credentialName) and the mesh config (ConfigMap istio), as istiod reads them.
        assertThat(role).contains("/secrets", "/configmaps");
    }
}
