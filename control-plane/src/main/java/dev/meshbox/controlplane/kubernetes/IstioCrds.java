package dev.meshbox.controlplane.kubernetes;

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
 * {@code networking.istio.io}, served as v1alpha3, v1beta1 and v1 (v1 stored), so {@code kubectl apply} of Istio's
 * sample files works as on an Istio cluster. The schemas keep unknown fields: validation is the control plane's,
 * with its field-level messages.
 */
public final class IstioCrds {

    /** The kinds MeshBox watches, each with the resource path the API serves it under. */
    public record Kind(String kind, String plural) {
        public ResourceDefinitionContext context() {
            return new ResourceDefinitionContext.Builder()
                    .withGroup(GROUP)
                    .withVersion("v1")
                    .withKind(kind)
                    .withPlural(plural)
                    .withNamespaced(true)
                    .build();
        }

        public String crdName() {
            return plural + "." + GROUP;
        }
    }

    public static final String GROUP = "networking.istio.io";
    public static final List<Kind> KINDS = List.of(
            new Kind("VirtualService", "virtualservices"),
            new Kind("DestinationRule", "destinationrules"),
            new Kind("Gateway", "gateways"));

    private IstioCrds() {}

    /** Creates (or updates) the three CRDs; an RBAC denial says which permission is missing. */
    public static List<String> install(KubernetesClient client) {
        List<String> done = new ArrayList<>();
        try (InputStream in = IstioCrds.class.getResourceAsStream("istio-crds.yaml")) {
            for (HasMetadata crd : client.load(in).items()) {
                try {
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
