package dev.meshbox.controlplane.testing;

import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.controlplane.registry.ServiceRegistry;
import dev.meshbox.controlplane.translate.MeshView;
import java.util.List;
import java.util.Map;

/**
 * Bookinfo's services and pods as a backend would register them, for translation tests; its Istio config is {@link
 * BookinfoYaml}.
 */
public final class BookinfoFixture {
    public static final Pod PRODUCTPAGE = pod("productpage-v1", "productpage", "v1", 1);
    public static final Pod REVIEWS_V1 = pod("reviews-v1", "reviews", "v1", 2);
    public static final Pod REVIEWS_V2 = pod("reviews-v2", "reviews", "v2", 3);
    public static final Pod REVIEWS_V3 = pod("reviews-v3", "reviews", "v3", 4);
    public static final Pod RATINGS = pod("ratings-v1", "ratings", "v1", 5);
    public static final Pod DETAILS = pod("details-v1", "details", "v1", 6);
    public static final Pod GATEWAY = new Pod(
            "istio-ingressgateway",
            "istio-system",
            "127.0.0.1",
            "127.0.0.1",
            Map.of("istio", "ingressgateway", "app", "istio-ingressgateway"),
            Pod.ProxyKind.GATEWAY,
            true);

    private BookinfoFixture() {}

    public static Pod pod(String name, String app, String version, int n) {
        return new Pod(
                name,
                "default",
                "127.10.0." + n,
                "127.20.0." + n,
                Map.of("app", app, "version", version),
                Pod.ProxyKind.SIDECAR,
                true);
    }

    public static ServiceRegistry registry() {
        ServiceRegistry r = new ServiceRegistry();
        for (String s : List.of("productpage", "details", "reviews", "ratings")) {
            r.putService(new MeshService(s, "default", List.of(ServicePort.http(9080)), Map.of("app", s)));
        }
        for (Pod p : List.of(PRODUCTPAGE, REVIEWS_V1, REVIEWS_V2, REVIEWS_V3, RATINGS, DETAILS, GATEWAY)) {
            r.putPod(p);
        }
        return r;
    }

    public static MeshView view(String... yamls) {
        ConfigStore store = new ConfigStore();
        for (int i = 0; i < yamls.length; i++) {
            var result = store.apply("fixture-" + i + ".yaml", yamls[i]);
            if (!result.ok()) {
                throw new AssertionError(result.problems().toString());
            }
        }
        return new MeshView(store.snapshot(), registry().snapshot());
    }
}
