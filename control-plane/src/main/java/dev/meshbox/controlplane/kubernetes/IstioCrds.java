package dev.meshbox.controlplane.kubernetes;

import dev.meshbox.controlplane.config.GatewayApi;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Istio's networking kinds as CustomResourceDefinitions: VirtualService, DestinationRule and Gateway in
 * {@code networking.istio.io} (VirtualService, DestinationRule, Gateway, ServiceEntry, WorkloadEntry, Sidecar), served as v1alpha3, v1beta1 and v1 (v1 stored), so {@code kubectl apply} of Istio's
 * sample files works as on an Istio cluster; and the Gateway API kinds Istio reads (Gateway, HTTPRoute in
 * {@code gateway.networking.k8s.io} v1 and v1beta1, ReferenceGrant v1beta1), which Istio expects installed from the
 * Gateway API project and MeshBox installs only where the cluster lacks them; and AuthorizationPolicy,
 * RequestAuthentication and PeerAuthentication in {@code security.istio.io} (v1beta1 and v1), and Telemetry in
 * {@code telemetry.istio.io} (v1alpha1 and v1). The schemas keep unknown fields:
 * validation is the control plane's, with its field-level messages.
 */
public final class IstioCrds {

    /** The kinds MeshBox watches, each with the resource path and the version the API serves and stores it as. */
    public record Kind(String kind, String plural, String group, String version) {
        public Kind(String kind, String plural) {
            this(kind, plural, GROUP, "v1");
        }

        /** The kind as the config store keys it (a Gateway API Gateway apart from Istio's). */
        public String keyKind() {
            return GatewayApi.keyKind(kind, group + "/" + version);
        }

        /** Whether a resource read from YAML or the API is of this kind (its apiVersion names the group). */
        public boolean matches(String kind, String apiVersion) {
            return this.kind.equals(kind) && apiVersion != null && apiVersion.startsWith(group + "/");
        }

        public ResourceDefinitionContext context() {
            return new ResourceDefinitionContext.Builder()
                    .withGroup(group)
                    .withVersion(version)
                    .withKind(kind)
                    .withPlural(plural)
                    .withNamespaced(true)
                    .build();
        }

        public String crdName() {
            return plural + "." + group;
        }
    }

    public static final String GROUP = "networking.istio.io";
    public static final List<Kind> KINDS = List.of(
            new Kind("VirtualService", "virtualservices"),
            new Kind("DestinationRule", "destinationrules"),
            new Kind("Gateway", "gateways"),
            new Kind("ServiceEntry", "serviceentries"),
            new Kind("WorkloadEntry", "workloadentries"),
            new Kind("Sidecar", "sidecars"),
            new Kind("AuthorizationPolicy", "authorizationpolicies", "security.istio.io", "v1"),
            new Kind("RequestAuthentication", "requestauthentications", "security.istio.io", "v1"),
            new Kind("PeerAuthentication", "peerauthentications", "security.istio.io", "v1"),
            new Kind("Telemetry", "telemetries", "telemetry.istio.io", "v1"),
            new Kind("Gateway", "gateways", GatewayApi.GROUP, "v1"),
            new Kind("HTTPRoute", "httproutes", GatewayApi.GROUP, "v1"),
            new Kind("ReferenceGrant", "referencegrants", GatewayApi.GROUP, "v1beta1"));

    private IstioCrds() {}

    /**
     * Creates (or updates) Istio's CRDs, and creates the Gateway API's where missing (a cluster's own, from the Gateway
     * API project, are left as they are); an RBAC denial says which permission is missing.
     */
    public static List<String> install(KubernetesClient client) {
        List<String> done = new ArrayList<>();
        try (InputStream in = IstioCrds.class.getResourceAsStream("istio-crds.yaml")) {
            for (HasMetadata crd : client.load(in).items()) {
                try {
                    if (crd.getMetadata().getName().endsWith("." + GatewayApi.GROUP)
                            && client.apiextensions()
                                            .v1()
                                            .customResourceDefinitions()
                                            .withName(crd.getMetadata().getName())
                                            .get()
                                    != null) {
                        continue;
                    }
                    client.resource(crd).createOr(NonDeletingOperation::update);
                } catch (KubernetesClientException e) {
                    throw new IllegalStateException(
                            describe(
                                    e,
                                    "create CustomResourceDefinition "
                                            + crd.getMetadata().getName()),
                            e);
                }
                done.add("customresourcedefinition.apiextensions.k8s.io/"
                        + crd.getMetadata().getName() + " applied");
            }
        } catch (IOException e) {
            throw new IllegalStateException("the Istio CRDs are missing from the jar", e);
        }
        return done;
    }

    /** The CRDs of {@link #KINDS} the cluster lacks, by name. */
    public static List<String> missing(KubernetesClient client) {
        List<String> missing = new ArrayList<>();
        for (Kind k : KINDS) {
            try {
                if (client.apiextensions()
                                .v1()
                                .customResourceDefinitions()
                                .withName(k.crdName())
                                .get()
                        == null) {
                    missing.add(k.crdName());
                }
            } catch (KubernetesClientException e) {
                throw new IllegalStateException(describe(e, "read CustomResourceDefinition " + k.crdName()), e);
            }
        }
        return missing;
    }

    /** A client error in words: unreachable, forbidden (RBAC), or the API's own message. */
    public static String describe(KubernetesClientException e, String action) {
        if (e.getCode() == 403) {
            return "the cluster's RBAC forbids MeshBox to " + action + " (403): grant it, or ask a cluster admin: "
                    + e.getStatus().getMessage();
        }
        if (e.getCode() <= 0) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            return "cannot reach the Kubernetes API to " + action + ": "
                    + (root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage())
                    + " (is the cluster up, and the kubeconfig's server right?)";
        }
        return "cannot " + action + " (" + e.getCode() + "): "
                + (e.getStatus() != null ? e.getStatus().getMessage() : e.getMessage());
    }
}
