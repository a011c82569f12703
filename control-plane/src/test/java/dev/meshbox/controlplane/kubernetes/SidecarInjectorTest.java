package dev.meshbox.controlplane.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class SidecarInjectorTest {

    private final SidecarInjector injector =
            new SidecarInjector(SidecarInjector.Settings.defaults("meshbox/meshbox:test"));
    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());

    private static final String DEPLOYMENT = """
            apiVersion: v1
            kind: Service
            metadata: {name: shop}
            spec:
              selector: {app: shop}
              ports: [{port: 8080, name: http}]
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: shop-v1}
            spec:
              selector: {matchLabels: {app: shop, version: v1}}
              template:
                metadata:
                  labels: {app: shop, version: v1}
                spec:
                  containers:
                  - name: shop
                    image: shop:1.4
                    ports: [{containerPort: 8080}]
            """;

    private List<JsonNode> docs(String text) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        yaml.readerFor(JsonNode.class).readValues(text).forEachRemaining(n -> out.add((JsonNode) n));
        return out;
    }

    @Test
    void aDeploymentGetsIstioInitAndIstioProxyAsIstioctlAddsThem() throws Exception {
        SidecarInjector.Result r = injector.inject("shop.yaml", DEPLOYMENT);
        List<JsonNode> docs = docs(r.yaml());
        assertThat(docs).hasSize(2);
        assertThat(docs.get(0).path("kind").asText()).isEqualTo("Service");
        JsonNode pod = docs.get(1).path("spec").path("template");
        JsonNode containers = pod.path("spec").path("containers");
        assertThat(containers).hasSize(2);
        assertThat(containers.get(0).path("name").asText()).isEqualTo("shop");
        JsonNode proxy = containers.get(1);
        assertThat(proxy.path("name").asText()).isEqualTo("istio-proxy");
        assertThat(proxy.path("image").asText()).isEqualTo("meshbox/meshbox:test");
        assertThat(proxy.path("securityContext").path("runAsUser").asLong()).isEqualTo(1337);
        assertThat(proxy.path("readinessProbe").path("httpGet").path("port").asInt())
                .isEqualTo(15021);
        String command = proxy.path("command").toString();
        assertThat(command)
                .contains(
                        "dev.meshbox.proxy.Main",
                        "$(POD_NAME)",
                        "$(POD_IP)",
                        "istiod.istio-system.svc:15010",
                        "app=shop",
                        "version=v1",
                        "127.0.0.1:8080");
        JsonNode init = pod.path("spec").path("initContainers").get(0);
        assertThat(init.path("name").asText()).isEqualTo("istio-init");
        assertThat(init.path("securityContext").path("capabilities").path("add").toString())
                .contains("NET_ADMIN");
        assertThat(init.path("command").toString()).contains("capture-init", "$(POD_IP)");
        assertThat(pod.path("metadata")
                        .path("labels")
                        .path("security.istio.io/tlsMode")
                        .asText())
                .isEqualTo("istio");
        assertThat(pod.path("metadata")
                        .path("annotations")
                        .path("sidecar.istio.io/status")
                        .asText())
                .contains("istio-proxy");
        assertThat(pod.path("metadata")
                        .path("annotations")
                        .path("prometheus.io/port")
                        .isTextual())
                .isTrue();
        assertThat(r.report())
                .containsExactly(
                        "Deployment/shop-v1: injected (istio-init, istio-proxy, ready once the app listens on 8080)");
    }

    @Test
    void theProxyMayBindLowServicePortsWithoutDuplicatingASysctlThePodSets() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        var bare = (com.fasterxml.jackson.databind.node.ObjectNode)
                json.readTree(
                        "{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"web\"}]}}");
        var preset = bare.deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) preset.get("spec"))
                .putObject("securityContext")
                .putArray("sysctls")
                .addObject()
                .put("name", "net.ipv4.ip_unprivileged_port_start")
                .put("value", "80");
        injector.injectPod(bare);
        injector.injectPod(preset);
        assertThat(bare.at("/spec/securityContext/sysctls/0/value").asText()).isEqualTo("0");
        assertThat(preset.at("/spec/securityContext/sysctls")).hasSize(1);
        assertThat(preset.at("/spec/securityContext/sysctls/0/value").asText())
                .as("the pod's own setting stays")
                .isEqualTo("80");
    }

    @Test
    void injectingTwiceChangesNothingTheSecondTime() {
        String once = injector.inject("shop.yaml", DEPLOYMENT).yaml();
        SidecarInjector.Result twice = injector.inject("shop.yaml", once);
        assertThat(twice.yaml()).isEqualTo(once);
        assertThat(twice.report()).containsExactly("Deployment/shop-v1: already injected");
    }

    @Test
    void aPodThatOptsOutIsLeftAlone() throws Exception {
        SidecarInjector.Result r = injector.inject("pod.yaml", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: debug
                  annotations: {sidecar.istio.io/inject: "false"}
                spec:
                  containers: [{name: sh, image: busybox}]
                """);
        assertThat(docs(r.yaml()).get(0).path("spec").path("containers")).hasSize(1);
        assertThat(r.report()).containsExactly("Pod/debug: skipped (sidecar.istio.io/inject: \"false\")");
    }

    @Test
    void brokenInputNamesTheFileAndTheField() {
        assertThatThrownBy(() -> injector.inject("bad.yaml", "kind: Deployment\nmetadata: {name: x}\nspec: {}\n"))
                .hasMessage("bad.yaml: Deployment x: spec.template.spec.containers: is required");
        assertThatThrownBy(() -> injector.inject("bad.yaml", "kind: [unclosed\n"))
                .hasMessageStartingWith("bad.yaml: not valid YAML");
    }

    @Test
    void istiosBookinfoManifestGetsASidecarPerDeployment() throws Exception {
        Path file = Path.of("..", "..", "shared", "istio", "samples", "bookinfo", "platform", "kube", "bookinfo.yaml");
        Assumptions.assumeTrue(
                Files.isRegularFile(file), "Istio's samples are not beside this checkout (" + file + ")");
        SidecarInjector.Result r = injector.inject(file.toString(), Files.readString(file));
        assertThat(r.report())
                .hasSize(6)
                .allSatisfy(line -> assertThat(line).contains("injected (istio-init, istio-proxy"));
        long services = docs(r.yaml()).stream()
                .filter(d -> d.path("kind").asText().equals("Service"))
                .count();
        assertThat(services).isEqualTo(4);
    }
}
