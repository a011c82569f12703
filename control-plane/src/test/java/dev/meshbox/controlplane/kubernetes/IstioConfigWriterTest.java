package dev.meshbox.controlplane.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.config.ApplyResult;
import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.config.GatewayApi;
import dev.meshbox.controlplane.config.KubeGateway;
import dev.meshbox.controlplane.config.ResourceKey;
import dev.meshbox.controlplane.testing.GatewayApiFixture;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Config applied through the mesh (scenarios, {@code meshbox apply}, the UI) lands on Kubernetes as Istio's custom
 * resources, where {@code kubectl get virtualservices} shows it, and the store follows through the watch.
 */
@EnableKubernetesMockClient(crud = true)
class IstioConfigWriterTest {

    KubernetesMockServer server;
    KubernetesClient client;

    private static final String SUBSETS = """
            apiVersion: networking.istio.io/v1alpha3
            kind: DestinationRule
            metadata:
              name: reviews
            spec:
              host: reviews
              subsets:
              - name: v1
                labels: {version: v1}
              - name: v2
                labels: {version: v2}
            """;
    private static final String SPLIT = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
              labels: {team: books}
            spec:
              hosts: [reviews]
              http:
              - route:
                - destination: {host: reviews, subset: v1}
                  weight: 90
                - destination: {host: reviews, subset: v2}
                  weight: 10
            """;

    private GenericKubernetesResource virtualService(String ns, String name) {
        return client.genericKubernetesResources(IstioCrds.KINDS.get(0).context())
                .inNamespace(ns)
                .withName(name)
                .get();
    }

    @Test
    void appliedYamlBecomesCustomResourcesAndTheStoreFollows() throws Exception {
        IstioCrds.install(client);
        ConfigStore store = new ConfigStore();
        try (IstioConfigWatcher watcher = new IstioConfigWatcher(client, store).start()) {
            IstioConfigWriter writer = new IstioConfigWriter(client, store, watcher);
            ApplyResult r = writer.apply(List.of(
                    new ConfigStore.Source("destination-rule-reviews.yaml", SUBSETS),
                    new ConfigStore.Source("split.yaml", SPLIT)));

            assertThat(r.problems()).isEmpty();
            assertThat(r.changes())
                    .extracting(ApplyResult.Change::display)
                    .containsExactly(
                            "destinationrule.networking.istio.io/reviews created",
                            "virtualservice.networking.istio.io/reviews created");
            // Returned once the watch delivered it: no waiting needed here.
            ResourceKey vs = new ResourceKey("VirtualService", "default", "reviews");
            assertThat(store.snapshot().resources()).containsKey(vs);
            GenericKubernetesResource stored = virtualService("default", "reviews");
            assertThat(stored.getMetadata().getLabels()).containsEntry("team", "books");

            ApplyResult again = writer.apply(List.of(new ConfigStore.Source(
                    "split.yaml", SPLIT.replace("90", "80").replace("10\n", "20\n"))));
            assertThat(again.changes())
                    .extracting(ApplyResult.Change::display)
                    .containsExactly("virtualservice.networking.istio.io/reviews configured");
            assertThat(store.snapshot().resources().get(vs).yaml()).contains("80");

            writer.delete(List.of(vs));
            assertThat(virtualService("default", "reviews")).isNull();
            assertThat(store.snapshot().resources()).doesNotContainKey(vs);
        }
    }

    @Test
    void anAuthorizationPolicyIsWrittenAsSecurityIstioIoAndTheStoreFollows() throws Exception {
        IstioCrds.install(client);
        ConfigStore store = new ConfigStore();
        try (IstioConfigWatcher watcher = new IstioConfigWatcher(client, store).start()) {
            IstioConfigWriter writer = new IstioConfigWriter(client, store, watcher);
            ApplyResult r = writer.apply(List.of(new ConfigStore.Source("allow-nothing.yaml", """
                    apiVersion: security.istio.io/v1
                    kind: AuthorizationPolicy
                    metadata: {name: allow-nothing, namespace: foo}
                    spec: {}
                    """)));

            assertThat(r.problems()).isEmpty();
            assertThat(r.changes())
                    .extracting(ApplyResult.Change::display)
                    .containsExactly("authorizationpolicy.security.istio.io/allow-nothing (namespace foo) created");
            IstioCrds.Kind kind = IstioCrds.KINDS.stream()
                    .filter(k -> k.kind().equals("AuthorizationPolicy"))
                    .findFirst()
                    .orElseThrow();
            assertThat(client.genericKubernetesResources(kind.context())
                            .inNamespace("foo")
                            .withName("allow-nothing")
                            .get())
                    .isNotNull();
            assertThat(store.snapshot().resources())
                    .containsKey(new ResourceKey("AuthorizationPolicy", "foo", "allow-nothing"));
        }
    }

    @Test
    void aRequestAuthenticationIsWrittenAsSecurityIstioIoAndTheStoreFollows() throws Exception {
        IstioCrds.install(client);
        ConfigStore store = new ConfigStore();
        try (IstioConfigWatcher watcher = new IstioConfigWatcher(client, store).start()) {
            IstioConfigWriter writer = new IstioConfigWriter(client, store, watcher);
            ApplyResult r = writer.apply(List.of(new ConfigStore.Source("jwt-example.yaml", """
                    apiVersion: security.istio.io/v1
                    kind: RequestAuthentication
                    metadata: {name: jwt-example, namespace: foo}
                    spec:
                      selector: {matchLabels: {app: httpbin}}
                      jwtRules:
                      - issuer: testing@secure.istio.io
                        jwks: '{"keys": []}'
                    """)));

            assertThat(r.problems()).isEmpty();
            assertThat(r.changes())
                    .extracting(ApplyResult.Change::display)
                    .containsExactly("requestauthentication.security.istio.io/jwt-example (namespace foo) created");
            IstioCrds.Kind kind = IstioCrds.KINDS.stream()
                    .filter(k -> k.kind().equals("RequestAuthentication"))
                    .findFirst()
                    .orElseThrow();
            assertThat(client.genericKubernetesResources(kind.context())
                            .inNamespace("foo")
                            .withName("jwt-example")
                            .get())
                    .isNotNull();
            assertThat(store.snapshot().resources())
                    .containsKey(new ResourceKey("RequestAuthentication", "foo", "jwt-example"));
        }
    }

    @Test
    void aPeerAuthenticationIsWrittenAsSecurityIstioIoAndTheStoreFollows() throws Exception {
        IstioCrds.install(client);
        ConfigStore store = new ConfigStore();
        try (IstioConfigWatcher watcher = new IstioConfigWatcher(client, store).start()) {
            IstioConfigWriter writer = new IstioConfigWriter(client, store, watcher);
            ApplyResult r = writer.apply(List.of(new ConfigStore.Source("peer-authn.yaml", """
                    apiVersion: security.istio.io/v1beta1
                    kind: PeerAuthentication
                    metadata: {name: default, namespace: foo}
                    spec:
                      mtls: {mode: STRICT}
                    """)));

            assertThat(r.problems()).isEmpty();
            assertThat(r.changes())
                    .extracting(ApplyResult.Change::display)
                    .containsExactly("peerauthentication.security.istio.io/default (namespace foo) created");
            IstioCrds.Kind kind = IstioCrds.KINDS.stream()
                    .filter(k -> k.kind().equals("PeerAuthentication"))
                    .findFirst()
                    .orElseThrow();
            assertThat(client.genericKubernetesResources(kind.context())
                            .inNamespace("foo")
                            .withName("default")
                            .get())
                    .isNotNull();
            assertThat(store.snapshot().resources())
                    .containsKey(new ResourceKey("PeerAuthentication", "foo", "default"));

            ApplyResult bad = writer.apply(List.of(new ConfigStore.Source("peer-authn.yaml", """
                    apiVersion: security.istio.io/v1
                    kind: PeerAuthentication
                    metadata: {name: default, namespace: foo}
                    spec:
                      portLevelMtls: {8080: {mode: DISABLE}}
                    """)));
            assertThat(bad.problems())
                    .extracting(Object::toString)
                    .containsExactly(
                            "peer-authn.yaml: PeerAuthentication foo/default: spec.portLevelMtls: mesh/namespace"
                                    + " peer authentication cannot have port level mTLS; add spec.selector.matchLabels to set"
                                    + " modes per port");
        }
    }

    @Test
    void aServiceEntryIsWrittenAsNetworkingIstioIoAndTheStoreFollows() throws Exception {
        IstioCrds.install(client);
        ConfigStore store = new ConfigStore();
        try (IstioConfigWatcher watcher = new IstioConfigWatcher(client, store).start()) {
            IstioConfigWriter writer = new IstioConfigWriter(client, store, watcher);
            ApplyResult r = writer.apply(List.of(new ConfigStore.Source("httpbin-ext.yaml", """
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: httpbin-ext, namespace: default}
                    spec:
                      hosts: [httpbin.org]
                      ports: [{number: 80, name: http, protocol: HTTP}]
                      resolution: DNS
                    """)));

            assertThat(r.problems()).isEmpty();
            assertThat(r.changes())
                    .extracting(ApplyResult.Change::display)
                    .containsExactly("serviceentry.networking.istio.io/httpbin-ext created");
            IstioCrds.Kind kind = IstioCrds.KINDS.stream()
                    .filter(k -> k.kind().equals("ServiceEntry"))
                    .findFirst()
                    .orElseThrow();
            assertThat(client.genericKubernetesResources(kind.context())
                            .inNamespace("default")
                            .withName("httpbin-ext")
                            .get())
                    .isNotNull();
            assertThat(store.snapshot().resources())
                    .containsKey(new ResourceKey("ServiceEntry", "default", "httpbin-ext"));

            ApplyResult bad = writer.apply(List.of(new ConfigStore.Source("httpbin-ext.yaml", """
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: httpbin-ext, namespace: default}
                    spec:
                      hosts: [httpbin.org]
                      resolution: DNS
                    """)));
            assertThat(bad.problems())
                    .extracting(Object::toString)
                    .containsExactly("httpbin-ext.yaml: ServiceEntry default/httpbin-ext: spec.ports: service entry"
                            + " must have at least one port");
        }
    }

    @Test
    void aSidecarIsWrittenAsNetworkingIstioIoAndTheStoreFollows() throws Exception {
        IstioCrds.install(client);
        ConfigStore store = new ConfigStore();
        try (IstioConfigWatcher watcher = new IstioConfigWatcher(client, store).start()) {
            IstioConfigWriter writer = new IstioConfigWriter(client, store, watcher);
            ApplyResult r = writer.apply(List.of(new ConfigStore.Source("sidecar.yaml", """
                    apiVersion: networking.istio.io/v1
                    kind: Sidecar
                    metadata: {name: default, namespace: default}
                    spec:
                      egress:
                      - hosts: ["./*", "istio-system/*"]
                    """)));

            assertThat(r.problems()).isEmpty();
            assertThat(r.changes())
                    .extracting(ApplyResult.Change::display)
                    .containsExactly("sidecar.networking.istio.io/default created");
            assertThat(store.snapshot().resources()).containsKey(new ResourceKey("Sidecar", "default", "default"));

            ApplyResult bad = writer.apply(List.of(new ConfigStore.Source("sidecar.yaml", """
                    apiVersion: networking.istio.io/v1
                    kind: Sidecar
                    metadata: {name: default, namespace: default}
                    spec:
                      egress:
                      - hosts: [httpbin.org]
                    """)));
            assertThat(bad.problems())
                    .extracting(Object::toString)
                    .containsExactly("sidecar.yaml: Sidecar default/default: spec.egress[0].hosts[0]: host must be of"
                            + " form namespace/dnsName, got \"httpbin.org\"");
        }
    }

    @Test
    void gatewayApiKindsAreWrittenAndWatchedApartFromIstiosGateway() throws Exception {
        IstioCrds.install(client);
        assertThat(IstioCrds.missing(client)).isEmpty();
        ConfigStore store = new ConfigStore();
        try (IstioConfigWatcher watcher = new IstioConfigWatcher(client, store).start()) {
            IstioConfigWriter writer = new IstioConfigWriter(client, store, watcher);
            ApplyResult r = writer.apply(
                    List.of(new ConfigStore.Source("bookinfo-gateway.yaml", GatewayApiFixture.BOOKINFO_GATEWAY)));

            assertThat(r.problems()).isEmpty();
            assertThat(r.changes())
                    .extracting(ApplyResult.Change::display)
                    .containsExactly(
                            "gateway.gateway.networking.k8s.io/bookinfo-gateway created",
                            "httproute.gateway.networking.k8s.io/bookinfo created");
            ResourceKey gateway = new ResourceKey(GatewayApi.GATEWAY_KEY_KIND, "default", "bookinfo-gateway");
            assertThat(store.snapshot().resources())
                    .containsKeys(gateway, new ResourceKey("HTTPRoute", "default", "bookinfo"));
            assertThat(store.snapshot().resources().get(gateway)).isInstanceOf(KubeGateway.class);
            IstioCrds.Kind kubeGateways = IstioCrds.KINDS.stream()
                    .filter(k -> k.keyKind().equals(GatewayApi.GATEWAY_KEY_KIND))
                    .findFirst()
                    .orElseThrow();
            assertThat(client.genericKubernetesResources(kubeGateways.context())
                            .inNamespace("default")
                            .withName("bookinfo-gateway")
                            .get()
                            .getApiVersion())
                    .isEqualTo("gateway.networking.k8s.io/v1");

            writer.delete(List.of(gateway));
            assertThat(store.snapshot().resources()).doesNotContainKey(gateway);
        }
    }

    @Test
    void configTheControlPlaneWouldRejectIsNotWritten() throws Exception {
        IstioCrds.install(client);
        ConfigStore store = new ConfigStore();
        try (IstioConfigWatcher watcher = new IstioConfigWatcher(client, store).start()) {
            ApplyResult r = new IstioConfigWriter(client, store, watcher)
                    .apply(List.of(new ConfigStore.Source("bad.yaml", SPLIT.replace("weight: 10", "weight: -10"))));
            assertThat(r.ok()).isFalse();
            assertThat(r.problems())
                    .singleElement()
                    .asString()
                    .contains("bad.yaml")
                    .contains("weight")
                    .contains("-10");
            assertThat(virtualService("default", "reviews")).isNull();
        }
    }

    @Test
    void aMeshWatchingSomeNamespacesRefusesConfigForOthers() throws Exception {
        IstioCrds.install(client);
        ConfigStore store = new ConfigStore();
        try (IstioConfigWatcher watcher =
                new IstioConfigWatcher(client, store, List.of("default", "istio-system")).start()) {
            ApplyResult r = new IstioConfigWriter(client, store, watcher)
                    .apply(List.of(new ConfigStore.Source("elsewhere.yaml", """
                    apiVersion: networking.istio.io/v1
                    kind: VirtualService
                    metadata: {name: reviews, namespace: team-b}
                    spec:
                      hosts: [reviews]
                      http:
                      - route:
                        - destination: {host: reviews}
                    """)));
            assertThat(r.problems())
                    .singleElement()
                    .asString()
                    .contains("metadata.namespace")
                    .contains("[default, istio-system]")
                    .contains("team-b");
            assertThat(virtualService("team-b", "reviews")).isNull();
        }
    }
}
