package dev.meshbox.controlplane.testing;

import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.controlplane.registry.ServiceRegistry;
import java.util.List;
import java.util.Map;

/**
 * Bookinfo as Istio's Gateway API samples need it: the services, the per-version services of
 * {@code bookinfo-versions.yaml} and the pod Istio deploys for {@code bookinfo-gateway} ({@code bookinfo-gateway-istio}),
 * plus Istio's own sample files as text.
 */
public final class GatewayApiFixture {

    public static final Pod GATEWAY_POD = new Pod(
            "bookinfo-gateway-istio-0",
            "default",
            "127.10.0.50",
            "127.10.0.50",
            Map.of("gateway.networking.k8s.io/gateway-name", "bookinfo-gateway"),
            Pod.ProxyKind.GATEWAY,
            true);

    /** Istio's samples/bookinfo/gateway-api/bookinfo-gateway.yaml. */
    public static final String BOOKINFO_GATEWAY = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata:
              name: bookinfo-gateway
            spec:
              gatewayClassName: istio
              listeners:
              - name: http
                port: 80
                protocol: HTTP
                allowedRoutes:
                  namespaces:
                    from: Same
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: bookinfo
            spec:
              parentRefs:
              - name: bookinfo-gateway
              rules:
              - matches:
                - path:
                    type: Exact
                    value: /productpage
                - path:
                    type: PathPrefix
                    value: /static
                - path:
                    type: Exact
                    value: /login
                - path:
                    type: Exact
                    value: /logout
                - path:
                    type: PathPrefix
                    value: /api/v1/products
                backendRefs:
                - name: productpage
                  port: 9080
            """;

    /** Istio's samples/bookinfo/gateway-api/route-reviews-90-10.yaml. */
    public static final String REVIEWS_90_10 = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: reviews
            spec:
              parentRefs:
              - group: ""
                kind: Service
                name: reviews
                port: 9080
              rules:
              - backendRefs:
                - name: reviews-v1
                  port: 9080
                  weight: 90
                - name: reviews-v2
                  port: 9080
                  weight: 10
            """;

    private GatewayApiFixture() {}

    public static ServiceRegistry registry() {
        ServiceRegistry r = BookinfoFixture.registry();
        for (String s : List.of("productpage", "details", "reviews", "ratings")) {
            for (String v : s.equals("reviews") ? List.of("v1", "v2", "v3") : List.of("v1")) {
                r.putService(new MeshService(
                        s + "-" + v, "default", List.of(ServicePort.http(9080)), Map.of("app", s, "version", v)));
            }
        }
        r.putService(new MeshService(
                "bookinfo-gateway-istio",
                "default",
                List.of(new ServicePort("http", 80, 8080, "HTTP")),
                Map.of("gateway.networking.k8s.io/gateway-name", "bookinfo-gateway")));
        r.putPod(GATEWAY_POD);
        return r;
    }

    public static ConfigStore.Snapshot config(String... yamls) {
        ConfigStore store = new ConfigStore();
        for (int i = 0; i < yamls.length; i++) {
            var result = store.apply("fixture-" + i + ".yaml", yamls[i]);
            if (!result.ok()) {
                throw new AssertionError(result.problems().toString());
            }
        }
        return store.snapshot();
    }
}
