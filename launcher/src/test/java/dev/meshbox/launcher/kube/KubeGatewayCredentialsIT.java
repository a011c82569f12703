package dev.meshbox.launcher.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.kubernetes.IstioCrds;
import dev.meshbox.launcher.ExampleCertificates;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.backend.PodSpec;
import dev.meshbox.launcher.lifecycle.Wait;
import dev.meshbox.proxy.Proxy;
import dev.meshbox.proxy.ProxyOptions;
import dev.meshbox.proxy.ProxyRole;
import dev.meshbox.scenarios.GatewayWorkload;
import dev.meshbox.scenarios.MeshAccess;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;

/**
 * A gateway workload of the user's on Kubernetes serving Istio's secure ingress task: its pod as the Deployment
 * {@link KubeGatewayWorkloads} makes would be created, the in-cluster control plane against an API server (fabric8's
 * mock server), a real gateway proxy over ADS; the Secret and the Gateway applied through the mesh, and the TLS
 * handshake at the gateway's 8443 shows the Secret's certificate, then the rotated one, as Envoy's SDS would.
 */
@EnableKubernetesMockClient(crud = true)
class KubeGatewayCredentialsIT {

    private static final String GATEWAY_IP = "127.0.78.2";

    KubernetesMockServer server;
    KubernetesClient client;

    private static final String GATEWAY = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: mygateway, namespace: istio-system}
            spec:
              selector: {istio: my-ingress}
              servers:
              - port: {number: 443, name: https, protocol: HTTPS}
                tls: {mode: SIMPLE, credentialName: httpbin-credential}
                hosts: [httpbin.example.com]
            """;

    /** The pod the gateway's Deployment would make, running and ready at {@link #GATEWAY_IP}. */
    private Pod gatewayPod() {
        MeshSpec spec = MeshSpec.of(List.of(GatewayWorkload.named("my-ingress")));
        PodSpec gw = spec.pods().stream()
                .filter(KubeGatewayWorkloads::isGateway)
                .findFirst()
                .orElseThrow();
        Deployment d = KubeGatewayWorkloads.deployment(spec, gw, "meshbox/meshbox:latest");
        return new PodBuilder()
                .withMetadata(d.getSpec().getTemplate().getMetadata())
                .editMetadata()
                .withName("my-ingress-abc")
                .withNamespace("istio-system")
                .endMetadata()
                .withSpec(d.getSpec().getTemplate().getSpec())
                .withNewStatus()
                .withPodIP(GATEWAY_IP)
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .endCondition()
                .endStatus()
                .build();
    }

    /** The subject of the certificate the gateway presents for {@code sni}, or empty when the handshake fails. */
    private static Optional<String> served(String sni) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new TrustAll()}, null);
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(GATEWAY_IP, 8443)) {
                s.setSoTimeout(5000);
                SSLParameters p = s.getSSLParameters();
                p.setServerNames(List.of(new SNIHostName(sni)));
                s.setSSLParameters(p);
                s.startHandshake();
                return Optional.of(((X509Certificate) s.getSession().getPeerCertificates()[0])
                        .getSubjectX500Principal()
                        .getName());
            }
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    @Test
    void aSecretAndGatewayAppliedThroughTheMeshServeTheCertificateAndARotationReachesIt() throws Exception {
        IstioCrds.install(client);
        client.pods().inNamespace("istio-system").resource(gatewayPod()).create();
        Pod pod = gatewayPod();
        try (KubeControlPlane cp = KubeControlPlane.start(
                        client,
                        new KubeControlPlane.Settings(
                                new InetSocketAddress("127.0.0.1", 0),
                                new InetSocketAddress("127.0.0.1", 0),
                                null,
                                null,
                                "meshbox/meshbox:latest",
                                "istiod.istio-system.svc:15010",
                                List.of("istio-system", "default"),
                                List.of()));
                Proxy gateway = Proxy.start(ProxyOptions.builder(
                                "router~" + GATEWAY_IP + "~my-ingress-abc.istio-system~istio-system.svc.cluster.local",
                                InetAddress.getByName(GATEWAY_IP),
                                new InetSocketAddress("127.0.0.1", cp.xdsPort()))
                        .nodeCluster("my-ingress.istio-system")
                        .labels(pod.getMetadata().getLabels())
                        .namespace("istio-system")
                        .podName("my-ingress-abc")
                        .role(ProxyRole.GATEWAY)
                        .adminPort(0)
                        .healthPort(0)
                        .prometheusPort(0)
                        .build())) {
            gateway.ready().get(15, TimeUnit.SECONDS);
            ExampleCertificates.Authority ca = ExampleCertificates.exampleCom();

            MeshAccess.ApplyOutcome outcome = cp.control()
                    .apply(List.of(
                            new MeshAccess.ConfigText(
                                    "httpbin-credential.yaml",
                                    ExampleCertificates.tlsSecret(
                                            "httpbin-credential",
                                            "istio-system",
                                            ca.issue("httpbin.example.com", "httpbin organization"),
                                            null)),
                            new MeshAccess.ConfigText("gateway.yaml", GATEWAY)));
            assertThat(outcome.problems()).isEmpty();
            Wait.atMost(Duration.ofSeconds(15))
                    .until(
                            "the Secret's certificate at the gateway's 8443",
                            () -> served("httpbin.example.com")
                                            .filter(s -> s.contains("O=httpbin organization"))
                                            .isPresent()
                                    ? Optional.empty()
                                    : Optional.of("served " + served("httpbin.example.com")));

            // A rotation: the Secret re-applied with a new certificate.
            assertThat(cp.control()
                            .apply(List.of(new MeshAccess.ConfigText(
                                    "httpbin-credential.yaml",
                                    ExampleCertificates.tlsSecret(
                                            "httpbin-credential",
                                            "istio-system",
                                            ca.issue("httpbin.example.com", "rotated organization"),
                                            null))))
                            .problems())
                    .isEmpty();
            Wait.atMost(Duration.ofSeconds(15))
                    .until(
                            "the rotated certificate",
                            () -> served("httpbin.example.com")
                                            .filter(s -> s.contains("O=rotated organization"))
                                            .isPresent()
                                    ? Optional.empty()
                                    : Optional.of("served " + served("httpbin.example.com")));

            cp.control().resetConfig();
            assertThat(client.secrets()
                            .inNamespace("istio-system")
                            .withName("httpbin-credential")
                            .get())
                    .as("applied through the mesh, deleted by its reset")
                    .isNull();
        }
    }

    /** The test checks which certificate is served, not whether it chains to a CA. */
    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
