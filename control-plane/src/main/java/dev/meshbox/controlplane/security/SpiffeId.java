package dev.meshbox.controlplane.security;

/** Istio's workload identity: {@code spiffe://<trust domain>/ns/<namespace>/sa/<service account>}. */
public final class SpiffeId {

    public static final String TRUST_DOMAIN = "cluster.local";
    public static final String DEFAULT_SERVICE_ACCOUNT = "default";

    private SpiffeId() {}

    public static String of(String namespace, String serviceAccount) {
        String sa = serviceAccount == null || serviceAccount.isEmpty() ? DEFAULT_SERVICE_ACCOUNT : serviceAccount;
        return "spiffe://" + TRUST_DOMAIN + "/ns/" + namespace + "/sa/" + sa;
    }
}
