package dev.meshbox.launcher.kube;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meshbox.controlplane.kubernetes.AdmissionWebhook;
import dev.meshbox.controlplane.kubernetes.SidecarInjector;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * istiod's webhooks as the API server calls them: AdmissionReviews over HTTPS, trusted through the CA the launcher
 * puts in the webhook configurations' caBundle, answered with a JSON Patch that adds the sidecar, or a refusal.
 */
class AdmissionWebhookTest {

    @TempDir
    Path dir;

    private AdmissionWebhook webhook;
    private SSLContext tls;
    private final ObjectMapper json = new ObjectMapper();

    @BeforeEach
    void start() throws Exception {
        WebhookTls.Material material = WebhookTls.forService("istiod", "istio-system");
        Files.writeString(dir.resolve("tls.crt"), material.certPem());
        Files.writeString(dir.resolve("tls.key"), material.keyPem());
        webhook = AdmissionWebhook.start(
                new InetSocketAddress("127.0.0.1", 0),
                dir.resolve("tls.crt"),
                dir.resolve("tls.key"),
                new SidecarInjector(new SidecarInjector.Settings(
                        "registry.example.com/meshbox:1", "istiod.istio-system.svc:15010", 1337)));
        // Trust only the mesh's CA, as the API server does with caBundle; the name checked is the Service's.
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        Certificate ca = CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(material.caPem().getBytes(StandardCharsets.US_ASCII)));
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
    }

    @AfterEach
    void stop() {
        webhook.close();
    }

    private JsonNode review(String path, String kind, JsonNode object) throws Exception {
        ObjectNode review = json.createObjectNode();
        review.put("apiVersion", "admission.k8s.io/v1");
        review.put("kind", "AdmissionReview");
        ObjectNode request = review.putObject("request");
        request.put("uid", "705ab4f5-6393-11e8-b7cc-42010a800002");
        request.putObject("kind").put("kind", kind);
        request.put("namespace", "default");
        request.put("operation", "CREATE");
        request.set("object", object);
        // The API server dials istiod.istio-system.svc:443; here the loopback port, checking the certificate names that
        // Service.
        HttpsURLConnection c = (HttpsURLConnection)
                URI.create("https://127.0.0.1:" + webhook.address().getPort() + path)
                        .toURL()
                        .openConnection();
        c.setSSLSocketFactory(tls.getSocketFactory());
        c.setHostnameVerifier((host, session) -> names(session).contains("istiod.istio-system.svc"));
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "application/json");
        try (var out = c.getOutputStream()) {
            out.write(json.writeValueAsBytes(review));
        }
        assertThat(c.getResponseCode()).isEqualTo(200);
        try (var in = c.getInputStream()) {
            return json.readTree(in).path("response");
        }
    }

    private static List<String> names(javax.net.ssl.SSLSession session) {
        try {
            var cert = (java.security.cert.X509Certificate) session.getPeerCertificates()[0];
            return cert.getSubjectAlternativeNames().stream()
                    .map(l -> (String) l.get(1))
                    .toList();
        } catch (Exception e) {
            return List.of();
        }
    }

    private JsonNode pod(String extraLabels) throws Exception {
        return json.readTree("""
                {"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"reviews-v2-5b667bcbf8-","labels":{"app":"reviews","version":"v2",
                "pod-template-hash":"5b667bcbf8"%s}},"spec":{"containers":[{"name":"reviews","image":"registry.example.com/meshbox:1",
                "ports":[{"containerPort":9080}]}]}}""".formatted(extraLabels));
    }

    @Test
    void aPodCreatedGetsIstioInitAndIstioProxyThroughAJsonPatch() throws Exception {
        JsonNode pod = pod("");
        JsonNode response = review("/inject", "Pod", pod);
        assertThat(response.path("uid").asText()).isEqualTo("705ab4f5-6393-11e8-b7cc-42010a800002");
        assertThat(response.path("allowed").asBoolean()).isTrue();
        assertThat(response.path("patchType").asText()).isEqualTo("JSONPatch");
        JsonNode patch =
                json.readTree(Base64.getDecoder().decode(response.path("patch").asText()));
        JsonNode injected = JsonPatch.apply(patch, pod);
        assertThat(injected.path("spec").path("initContainers"))
                .extracting(c -> c.path("name").asText())
                .containsExactly("istio-init");
        assertThat(injected.path("spec").path("containers"))
                .extracting(c -> c.path("name").asText())
                .containsExactly("reviews", "istio-proxy");
        JsonNode proxy = injected.path("spec").path("containers").get(1);
        String command = proxy.path("command").toString();
        assertThat(command)
                .contains("dev.meshbox.proxy.Main")
                .contains("\"--wildcard\",\"reserved\"")
                .contains("istiod.istio-system.svc:15010")
                .contains("\"--app-probe\",\"127.0.0.1:9080\"");
        assertThat(proxy.path("readinessProbe").path("httpGet").path("port").asInt())
                .isEqualTo(15021);
        assertThat(injected.path("metadata")
                        .path("annotations")
                        .path("sidecar.istio.io/status")
                        .asText())
                .contains("istio-proxy");
        assertThat(injected.path("metadata")
                        .path("labels")
                        .path("security.istio.io/tlsMode")
                        .asText())
                .isEqualTo("istio");
    }

    @Test
    void aPodThatOptsOutIsLeftAsItIs() throws Exception {
        JsonNode pod = pod("");
        ((ObjectNode) pod.path("metadata")).putObject("annotations").put("sidecar.istio.io/inject", "false");
        JsonNode response = review("/inject", "Pod", pod);
        assertThat(response.path("allowed").asBoolean()).isTrue();
        assertThat(response.has("patch")).isFalse();
    }

    @Test
    void anIstioResourceTheControlPlaneCannotParseIsRefusedWithTheField() throws Exception {
        JsonNode vs = json.readTree("""
                {"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"reviews"},
                 "spec":{"hosts":["reviews"],"http":[{"route":[{"destination":{"host":"reviews"},"weight":-10}]}]}}""");
        JsonNode refused = review("/validate", "VirtualService", vs);
        assertThat(refused.path("allowed").asBoolean()).isFalse();
        assertThat(refused.path("status").path("message").asText())
                .contains("validation.istio.io")
                .contains("weight")
                .contains("-10");

        JsonNode fine = review(
                "/validate", "VirtualService", json.readTree(vs.toString().replace("-10", "100")));
        assertThat(fine.path("allowed").asBoolean()).isTrue();
    }

    @Test
    void aPeerAuthenticationIstiosWebhookRefusesIsRefusedWithTheField() throws Exception {
        JsonNode pa = json.readTree("""
                {"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"default","namespace":"foo"},
                 "spec":{"mtls":{"mode":"STRICT"},"portLevelMtls":{"8080":{"mode":"DISABLE"}}}}""");
        JsonNode refused = review("/validate", "PeerAuthentication", pa);
        assertThat(refused.path("allowed").asBoolean()).isFalse();
        assertThat(refused.path("status").path("message").asText())
                .contains("PeerAuthentication foo/default")
                .contains("spec.portLevelMtls")
                .contains("mesh/namespace peer authentication cannot have port level mTLS");

        JsonNode fine = review(
                "/validate",
                "PeerAuthentication",
                json.readTree(pa.toString()
                        .replace("\"spec\":{", "\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"httpbin\"}},")));
        assertThat(fine.path("allowed").asBoolean()).isTrue();
    }

    @Test
    void aSidecarIstiosWebhookRefusesIsRefusedWithTheField() throws Exception {
        JsonNode sidecar = json.readTree("""
                {"apiVersion":"networking.istio.io/v1","kind":"Sidecar","metadata":{"name":"default","namespace":"foo"},
                 "spec":{"egress":[{"hosts":[]}]}}""");
        JsonNode refused = review("/validate", "Sidecar", sidecar);
        assertThat(refused.path("allowed").asBoolean()).isFalse();
        assertThat(refused.path("status").path("message").asText())
                .contains("Sidecar foo/default")
                .contains("spec.egress[0].hosts")
                .contains("sidecar: egress listener must contain at least one host");

        JsonNode fine =
                review("/validate", "Sidecar", json.readTree(sidecar.toString().replace("[]", "[\"./*\"]")));
        assertThat(fine.path("allowed").asBoolean()).isTrue();
    }

    @Test
    void aServiceEntryIstiosWebhookRefusesIsRefusedWithTheField() throws Exception {
        JsonNode se = json.readTree("""
                {"apiVersion":"networking.istio.io/v1","kind":"ServiceEntry","metadata":{"name":"ext","namespace":"default"},
                 "spec":{"hosts":["10.1.2.3"],"resolution":"DNS","ports":[{"number":80,"name":"http","protocol":"HTTP"}]}}""");
        JsonNode refused = review("/validate", "ServiceEntry", se);
        assertThat(refused.path("allowed").asBoolean()).isFalse();
        assertThat(refused.path("status").path("message").asText())
                .contains("ServiceEntry default/ext")
                .contains("spec.hosts[0]")
                .contains("hosts must be FQDN for resolution mode DNS");

        JsonNode fine =
                review("/validate", "ServiceEntry", json.readTree(se.toString().replace("10.1.2.3", "httpbin.org")));
        assertThat(fine.path("allowed").asBoolean()).isTrue();
    }

    @Test
    void theServingCertificateNamesTheIstiodService() throws Exception {
        WebhookTls.Material tls = WebhookTls.forService("istiod", "istio-system");
        var cert = (java.security.cert.X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(tls.certPem().getBytes(StandardCharsets.US_ASCII)));
        assertThat(cert.getSubjectAlternativeNames())
                .extracting(l -> (String) l.get(1))
                .contains("istiod.istio-system.svc", "istiod.istio-system", "istiod.istio-system.svc.cluster.local");
        assertThat(tls.keyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(List.of(cert.getExtendedKeyUsage().toArray())).contains("1.3.6.1.5.5.7.3.1");
    }
}
