package dev.meshbox.launcher.kube;

import dev.meshbox.controlplane.kubernetes.IstioCrds;
import dev.meshbox.launcher.lifecycle.Wait;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributesBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What is checked before a mesh creates anything on a cluster: that the API answers, that {@code istio-system} is
 * free (not Istio's, not another MeshBox mesh's), and that RBAC allows every write the install makes, all named at
 * once, as {@code kubectl auth can-i} would answer them.
 */
final class Preflight {

    static final String REMOVE_HINT =
            "To remove a MeshBox install left behind: kubectl delete namespace istio-system; kubectl delete"
                    + " clusterrole,clusterrolebinding,mutatingwebhookconfiguration,validatingwebhookconfiguration -l app.kubernetes.io/managed-by=meshbox";

    /** One permission the install needs. */
    record Permission(String verb, String group, String resource, String namespace) {
        @Override
        public String toString() {
            return verb + " " + resource + (group.isEmpty() ? "" : "." + group)
                    + (namespace == null ? "" : " in " + namespace);
        }
    }

    static final List<Permission> NEEDED = List.of(
            new Permission("create", "", "namespaces", null),
            new Permission("patch", "", "namespaces", null),
            new Permission("create", "rbac.authorization.k8s.io", "clusterroles", null),
            new Permission("create", "rbac.authorization.k8s.io", "clusterrolebindings", null),
            new Permission("create", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", null),
            new Permission("create", "admissionregistration.k8s.io", "validatingwebhookconfigurations", null),
            new Permission("create", "", "serviceaccounts", KubeMesh.SYSTEM),
            new Permission("create", "", "secrets", KubeMesh.SYSTEM),
            new Permission("create", "", "services", KubeMesh.SYSTEM),
            new Permission("create", "apps", "deployments", KubeMesh.SYSTEM),
            new Permission("create", "", "pods/portforward", KubeMesh.SYSTEM));

    /** What the workloads need in each namespace they run in. */
    static List<Permission> neededIn(String namespace) {
        return List.of(
                new Permission("create", "", "services", namespace),
                new Permission("create", "", "serviceaccounts", namespace),
                new Permission("create", "apps", "deployments", namespace),
                new Permission("create", "", "pods/portforward", namespace));
    }

    private Preflight() {}

    /** Returns the server's version; throws with every problem named, before anything is created. */
    static String check(KubernetesClient client, List<String> workloads) throws InterruptedException {
        String version;
        try {
            version = client.getKubernetesVersion().getGitVersion();
        } catch (KubernetesClientException e) {
            throw new IllegalStateException(IstioCrds.describe(e, "read the server version"), e);
        }
        Namespace system = awaitNotTerminating(client);
        if (system != null) {
            Map<String, String> labels = system.getMetadata().getLabels() == null
                    ? Map.of()
                    : system.getMetadata().getLabels();
            if ("meshbox".equals(labels.get(KubeMesh.MANAGED_BY))) {
                throw new IllegalStateException(
                        "this cluster runs a MeshBox mesh already (mesh " + labels.get(KubeMesh.MESH)
                                + ", namespace istio-system): another meshbox up, or a run killed before it cleaned up. "
                                + REMOVE_HINT);
            }
            throw new IllegalStateException(
                    "this cluster has a namespace istio-system that MeshBox did not make (Istio itself?);"
                            + " MeshBox's control plane takes istiod's place there. Use a cluster without Istio, or remove it first");
        }
        List<Permission> denied = new ArrayList<>();
        List<Permission> needed = new ArrayList<>(NEEDED);
        workloads.forEach(ns -> needed.addAll(neededIn(ns)));
        for (Permission p : needed) {
            if (denied(client, p)) {
                denied.add(p);
            }
        }
        if (!denied.isEmpty()) {
            throw new IllegalStateException("the cluster's RBAC does not let " + user(client)
                    + " install a mesh; nothing was created." + " Missing: " + denied
                    + ". Ask a cluster admin for these (kubectl auth can-i <verb> <resource> says the same)");
        }
        return version;
    }

    /** Waits (up to a minute) while a previous mesh's istio-system is still being deleted; then the namespace, if any. */
    private static Namespace awaitNotTerminating(KubernetesClient client) throws InterruptedException {
        try {
            Wait.atMost(Duration.ofMinutes(1))
                    .pollingEvery(Duration.ofSeconds(1))
                    .until("the deletion of namespace " + KubeMesh.SYSTEM, () -> {
                        Namespace ns = systemNamespace(client);
                        boolean terminating = ns != null
                                && ns.getStatus() != null
                                && "Terminating".equals(ns.getStatus().getPhase());
                        return terminating ? Optional.of("it is still Terminating") : Optional.empty();
                    });
        } catch (Wait.TimedOut stillTerminating) {
            // the namespace is still there: the check that follows names it
        }
        return systemNamespace(client);
    }

    private static Namespace systemNamespace(KubernetesClient client) {
        try {
            return client.namespaces().withName(KubeMesh.SYSTEM).get();
        } catch (KubernetesClientException e) {
            throw new IllegalStateException(IstioCrds.describe(e, "read namespace " + KubeMesh.SYSTEM), e);
        }
    }

    /** True only when the API answers the access review with a no; a server that cannot say is not taken for a no. */
    private static boolean denied(KubernetesClient client, Permission p) {
        SelfSubjectAccessReview review = new SelfSubjectAccessReviewBuilder()
                .withNewSpec()
                .withResourceAttributes(new ResourceAttributesBuilder()
                        .withVerb(p.verb())
                        .withGroup(p.group())
                        .withResource(resource(p.resource()))
                        .withSubresource(subresource(p.resource()))
                        .withNamespace(p.namespace())
                        .build())
                .endSpec()
                .build();
        try {
            SelfSubjectAccessReview answer =
                    client.authorization().v1().selfSubjectAccessReview().create(review);
            return answer != null
                    && answer.getStatus() != null
                    && Boolean.FALSE.equals(answer.getStatus().getAllowed());
        } catch (KubernetesClientException e) {
            if (e.getCode() <= 0) {
                throw new IllegalStateException(IstioCrds.describe(e, "review permissions"), e);
            }
            return false;
        }
    }

    private static String resource(String r) {
        int slash = r.indexOf('/');
        return slash < 0 ? r : r.substring(0, slash);
    }

    private static String subresource(String r) {
        int slash = r.indexOf('/');
        return slash < 0 ? null : r.substring(slash + 1);
    }

    private static String user(KubernetesClient client) {
        String user = client.getConfiguration().getUsername();
        if (user == null && client.getConfiguration().getCurrentContext() != null) {
            user = client.getConfiguration().getCurrentContext().getContext().getUser();
        }
        return user == null ? "this kubeconfig's user" : "user " + user;
    }
}
