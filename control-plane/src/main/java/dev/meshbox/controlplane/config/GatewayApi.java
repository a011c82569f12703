package dev.meshbox.controlplane.config;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The Kubernetes Gateway API kinds MeshBox reads (gateway.networking.k8s.io), as Istio implements them. Istio's own
 * Gateway and the Gateway API's share the kind name; the store keys the latter as {@link #GATEWAY_KEY_KIND}.
 */
public final class GatewayApi {

    public static final String GROUP = "gateway.networking.k8s.io";
    /** The store's kind for a gateway.networking.k8s.io Gateway, apart from networking.istio.io's Gateway. */
    public static final String GATEWAY_KEY_KIND = "Gateway." + GROUP;

    /** Served versions per kind, as the Gateway API's standard-channel CRDs list them. */
    static final Map<String, Set<String>> VERSIONS = Map.of(
            "Gateway", Set.of("v1", "v1beta1"),
            "HTTPRoute", Set.of("v1", "v1beta1"),
            "ReferenceGrant", Set.of("v1beta1", "v1alpha2"));

    private GatewayApi() {}

    /** Whether an apiVersion names the Gateway API group. */
    public static boolean isGatewayApi(String apiVersion) {
        return apiVersion.startsWith(GROUP + "/");
    }

    /** The kind as the store keys it (see {@link #GATEWAY_KEY_KIND}). */
    public static String keyKind(String kind, String apiVersion) {
        return isGatewayApi(apiVersion) && kind.equals("Gateway") ? GATEWAY_KEY_KIND : kind;
    }

    /** {@code virtualservice.networking.istio.io}, {@code httproute.gateway.networking.k8s.io}, as kubectl names them. */
    public static String resourceType(String keyKind) {
        if (keyKind.equals(KubeSecretParser.KIND)) {
            return "secret"; // the core group, as kubectl prints secret/httpbin-credential
        }
        if (keyKind.equals(GATEWAY_KEY_KIND)) {
            return "gateway." + GROUP;
        }
        String group = VERSIONS.containsKey(keyKind) && !keyKind.equals("Gateway")
                ? GROUP
                : IstioParser.isSecurityKind(keyKind) ? IstioParser.SECURITY_GROUP : IstioParser.GROUP;
        return keyKind.toLowerCase(Locale.ROOT) + "." + group;
    }
}
