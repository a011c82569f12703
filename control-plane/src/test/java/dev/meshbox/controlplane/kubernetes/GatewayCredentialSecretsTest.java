package dev.meshbox.controlplane.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.config.ApplyResult;
import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.config.ResourceKey;
import dev.meshbox.controlplane.testing.BookinfoFixture;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Istio's secure ingress task on Kubernetes: {@code kubectl create -n istio-system secret tls httpbin-credential}, a
 * Gateway with {@code credentialName: httpbin-credential}, and the gateway's SDS (asked over a real ADS stream, as
 * Envoy asks) serves the Secret's certificate as {@code kubernetes://httpbin-credential}; a rotated Secret is pushed.
 */
@EnableKubernetesMockClient(crud = true)
class GatewayCredentialSecretsTest {

    private static final String SDS = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";
    private static final String NAME = "kubernetes://httpbin-credential";

    KubernetesMockServer server;
    KubernetesClient client;

    private static final String SECRET = """
            apiVersion: v1
            kind: Secret
            metadata: {name: httpbin-credential, namespace: istio-system}
            type: kubernetes.io/tls
            data:
              tls.crt: %s
              tls.key: %s
            """;
    private static final String GATEWAY = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: mygateway, namespace: istio-system}
            spec:
              selector: {istio: ingressgateway}
              servers:
              - port: {number: 443, name: https, protocol: HTTPS}
                tls: {mode: SIMPLE, credentialName: httpbin-credential}
                hosts: [httpbin.example.com]
            """;

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aSecretAppliedThroughTheMeshIsServedOverSdsAndARotationIsPushed() throws Exception {
        IstioCrds.install(client);
        try (ControlPlane cp = new ControlPlane().start(new InetSocketAddress("127.0.0.1", 0));
                IstioConfigWatcher watcher = new IstioConfigWatcher(client, cp.config()).start()) {
            cp.registry().putPod(BookinfoFixture.GATEWAY);
            IstioConfigWriter writer = new IstioConfigWriter(client, cp.config(), watcher);

            ApplyResult r = writer.apply(List.of(
                    new ConfigStore.Source("httpbin-credential.yaml", SECRET.formatted(b64("CERT 1"), b64("KEY 1"))),
                    new ConfigStore.Source("gateway.yaml", GATEWAY)));
            assertThat(r.problems()).isEmpty();
            // kubectl get secret shows it, labelled as applied through the mesh.
            io.fabric8.kubernetes.api.model.Secret stored = client.secrets()
                    .inNamespace("istio-system")
                    .withName("httpbin-credential")
                    .get();
            assertThat(stored.getType()).isEqualTo("kubernetes.io/tls");
            assertThat(stored.getMetadata().getLabels()).containsEntry(IstioConfigWriter.MANAGED_BY, "meshbox");

            Sds sds = new Sds(cp.xdsPort());
            try {
                DiscoveryResponse first = sds.ask(null);
                assertThat(certificate(first)).isEqualTo("CERT 1");

                // A rotation, as kubectl would do it: the Secret replaced in the cluster, not through the mesh.
                client.secrets()
                        .inNamespace("istio-system")
                        .resource(new SecretBuilder(stored)
                                .withData(Map.of("tls.crt", b64("CERT 2"), "tls.key", b64("KEY 2")))
                                .build())
                        .update();
                DiscoveryResponse pushed = sds.ask(first);
                assertThat(pushed.getVersionInfo()).isNotEqualTo(first.getVersionInfo());
                assertThat(certificate(pushed)).isEqualTo("CERT 2");
            } finally {
                sds.close();
            }

            writer.delete(List.of(new ResourceKey("Secret", "istio-system", "httpbin-credential")));
            assertThat(client.secrets()
                            .inNamespace("istio-system")
                            .withName("httpbin-credential")
                            .get())
                    .isNull();
            assertThat(cp.config().snapshot().resources())
                    .doesNotContainKey(new ResourceKey("Secret", "istio-system", "httpbin-credential"));
        }
    }

    @Test
    void aSecretWithoutCertificatesIsNotACredentialAndStringDataIsStoredAsData() throws Exception {
        IstioCrds.install(client);
        ConfigStore store = new ConfigStore();
        try (IstioConfigWatcher watcher = new IstioConfigWatcher(client, store).start()) {
            IstioConfigWriter writer = new IstioConfigWriter(client, store, watcher);
            ApplyResult r = writer.apply(List.of(new ConfigStore.Source("secrets.yaml", """
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: httpbin-credential-cacert, namespace: istio-system}
                    stringData: {cacert: "CA 1"}
                    ---
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: db-password, namespace: istio-system}
                    stringData: {password: hunter2}
                    """)));
            assertThat(r.problems()).isEmpty();
            assertThat(client.secrets()
                            .inNamespace("istio-system")
                            .withName("httpbin-credential-cacert")
                            .get()
                            .getData())
                    .containsEntry("cacert", b64("CA 1"));
            assertThat(store.snapshot().resources())
                    .containsKey(new ResourceKey("Secret", "istio-system", "httpbin-credential-cacert"))
                    .doesNotContainKey(new ResourceKey("Secret", "istio-system", "db-password"));

            // The install's own (istiod's webhook certificate) is part of the mesh, not config a reset would delete.
            client.secrets()
                    .inNamespace("istio-system")
                    .resource(new SecretBuilder()
                            .withNewMetadata()
                            .withName("istiod-webhook-tls")
                            .withNamespace("istio-system")
                            .addToLabels("meshbox.dev/mesh", "abc123")
                            .endMetadata()
                            .withType("kubernetes.io/tls")
                            .addToData("tls.crt", b64("CERT"))
                            .addToData("tls.key", b64("KEY"))
                            .build())
                    .create();
            ResourceKey webhook = new ResourceKey("Secret", "istio-system", "istiod-webhook-tls");
            String version = client.secrets()
                    .inNamespace("istio-system")
                    .withName("istiod-webhook-tls")
                    .get()
                    .getMetadata()
                    .getResourceVersion();
            assertThat(watcher.awaitSeen(Map.of(webhook, version), java.time.Duration.ofSeconds(10)))
                    .isTrue();
            assertThat(store.snapshot().resources()).doesNotContainKey(webhook);

            // One the user created with kubectl: a reset (a delete through the mesh) forgets it, the cluster keeps it.
            client.secrets()
                    .inNamespace("istio-system")
                    .resource(new SecretBuilder()
                            .withNewMetadata()
                            .withName("users-credential")
                            .withNamespace("istio-system")
                            .endMetadata()
                            .addToData("cert", b64("CERT"))
                            .build())
                    .create();
            ResourceKey users = new ResourceKey("Secret", "istio-system", "users-credential");
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
            while (!store.snapshot().resources().containsKey(users) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(store.snapshot().resources()).containsKey(users);
            assertThat(writer.delete(List.of(users)).ok()).isTrue();
            assertThat(store.snapshot().resources()).doesNotContainKey(users);
            assertThat(client.secrets()
                            .inNamespace("istio-system")
                            .withName("users-credential")
                            .get())
                    .isNotNull();
        }
    }

    private static String certificate(DiscoveryResponse r) throws Exception {
        return r.getResources(0)
                .unpack(Secret.class)
                .getTlsCertificate()
                .getCertificateChain()
                .getInlineBytes()
                .toStringUtf8();
    }

    /** The gateway's SDS stream, as Envoy opens it over ADS. */
    private static final class Sds {
        private final ManagedChannel channel;
        private final BlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
        private final StreamObserver<DiscoveryRequest> requests;
        private final Node node = Node.newBuilder()
                .setId(BookinfoFixture.GATEWAY.nodeId())
                .setCluster("istio-ingressgateway.istio-system")
                .build();

        Sds(int port) {
            channel = NettyChannelBuilder.forAddress("127.0.0.1", port)
                    .usePlaintext()
                    .build();
            requests = AggregatedDiscoveryServiceGrpc.newStub(channel)
                    .streamAggregatedResources(new StreamObserver<>() {
                        @Override
                        public void onNext(DiscoveryResponse value) {
                            responses.add(value);
                        }

                        @Override
                        public void onError(Throwable t) {}

                        @Override
                        public void onCompleted() {}
                    });
        }

        /** Asks for the credential (ACKing {@code previous}) and returns the next response. */
        DiscoveryResponse ask(DiscoveryResponse previous) throws InterruptedException {
            DiscoveryRequest.Builder b =
                    DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(SDS).addResourceNames(NAME);
            if (previous != null) {
                b.setVersionInfo(previous.getVersionInfo()).setResponseNonce(previous.getNonce());
            }
            requests.onNext(b.build());
            DiscoveryResponse r = responses.poll(10, TimeUnit.SECONDS);
            assertThat(r).as("an SDS response within 10 s").isNotNull();
            assertThat(r.getTypeUrl()).isEqualTo(SDS);
            return r;
        }

        void close() {
            requests.onCompleted();
            channel.shutdownNow();
        }
    }
}
