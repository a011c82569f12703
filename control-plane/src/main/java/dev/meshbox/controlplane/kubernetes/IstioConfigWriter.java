package dev.meshbox.controlplane.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.meshbox.controlplane.config.ApplyResult;
import dev.meshbox.controlplane.config.ConfigProblem;
import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.config.ConfigWriter;
import dev.meshbox.controlplane.config.ResourceKey;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies Istio YAML on Kubernetes as {@code kubectl apply} does: every VirtualService, DestinationRule and Gateway
 * becomes (or updates) its custom resource, a v1 Secret (a gateway's {@code credentialName}) its core Secret, and a
 * delete deletes it (a Secret only when it was applied through the mesh: one the user created stays in the cluster
 * and is only forgotten by the mesh). The control plane's store follows through its
 * {@link IstioConfigWatcher}; a write returns once the watch has delivered it, so a caller can then wait for the
 * proxies. Config is checked against the store first: what the control plane would reject is not written at all.
 */
public final class IstioConfigWriter implements ConfigWriter {

    private static final Duration SEEN = Duration.ofSeconds(15);
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";

    private final KubernetesClient client;
    private final ConfigStore store;
    private final IstioConfigWatcher watcher;
    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());

    public IstioConfigWriter(KubernetesClient client, ConfigStore store, IstioConfigWatcher watcher) {
        this.client = client;
        this.store = store;
        this.watcher = watcher;
    }

    @Override
    public ApplyResult apply(List<ConfigStore.Source> sources) {
        ApplyResult planned = store.check(sources);
        if (!planned.ok()) {
            return planned;
        }
        List<ConfigProblem> problems = new ArrayList<>();
        List<Pending> writes = new ArrayList<>();
        List<SecretWrite> secrets = new ArrayList<>();
        for (ConfigStore.Source s : sources) {
            for (JsonNode doc : documents(s)) {
                if (CredentialSecrets.isSecret(doc)) {
                    // A gateway's credentialName: a core Secret, written as kubectl would, watched like the CRDs.
                    Secret secret = CredentialSecrets.fromYaml(doc);
                    if (secret.getMetadata().getNamespace() == null
                            || secret.getMetadata().getNamespace().isEmpty()) {
                        secret.getMetadata().setNamespace("default");
                    }
                    String ns = secret.getMetadata().getNamespace();
                    if (!watcher.namespaces().isEmpty() && !watcher.namespaces().contains(ns)) {
                        problems.add(new ConfigProblem(
                                s.name(),
                                "Secret " + ns + "/" + secret.getMetadata().getName(),
                                "metadata.namespace",
                                "this mesh watches namespaces " + watcher.namespaces() + " only; got " + ns));
                    }
                    secrets.add(new SecretWrite(s.name(), secret));
                    continue;
                }
                GenericKubernetesResource r = yaml.convertValue(doc, GenericKubernetesResource.class);
                if (r.getMetadata().getNamespace() == null
                        || r.getMetadata().getNamespace().isEmpty()) {
                    r.getMetadata().setNamespace("default");
                }
                String ns = r.getMetadata().getNamespace();
                if (!watcher.namespaces().isEmpty() && !watcher.namespaces().contains(ns)) {
                    problems.add(new ConfigProblem(
                            s.name(),
                            r.getKind() + " " + ns + "/" + r.getMetadata().getName(),
                            "metadata.namespace",
                            "this mesh watches namespaces " + watcher.namespaces() + " only; got " + ns));
                }
                writes.add(new Pending(s.name(), r));
            }
        }
        if (!problems.isEmpty()) {
            return new ApplyResult(List.of(), problems);
        }
        Map<ResourceKey, String> written = new LinkedHashMap<>();
        // Secrets first, as kubectl apply -f of the secure ingress task creates the credential before the Gateway.
        for (SecretWrite w : secrets) {
            Secret secret = w.secret();
            labelled(secret.getMetadata());
            secret.getMetadata().setResourceVersion(null);
            String what = "Secret " + secret.getMetadata().getNamespace() + "/"
                    + secret.getMetadata().getName();
            try {
                Secret stored = client.secrets()
                        .inNamespace(secret.getMetadata().getNamespace())
                        .resource(secret)
                        .createOr(NonDeletingOperation::update);
                written.put(CredentialSecrets.key(stored), stored.getMetadata().getResourceVersion());
            } catch (KubernetesClientException e) {
                if (e.getCode() == 400 || e.getCode() == 422) {
                    problems.add(new ConfigProblem(
                            w.source(),
                            what,
                            "",
                            e.getStatus() != null ? e.getStatus().getMessage() : e.getMessage()));
                    continue;
                }
                throw new IllegalStateException(IstioCrds.describe(e, "apply " + what), e);
            }
        }
        for (Pending w : writes) {
            GenericKubernetesResource r = w.resource();
            String what = r.getKind() + " " + r.getMetadata().getNamespace() + "/"
                    + r.getMetadata().getName();
            r.getMetadata().setResourceVersion(null);
            labelled(r.getMetadata());
            // v1alpha3, v1beta1 and v1 share one schema (the CRDs convert with strategy None): stored as v1, as the API
            // server would.
            IstioCrds.Kind kind = kind(r);
            r.setApiVersion(kind.group() + "/" + kind.version());
            try {
                GenericKubernetesResource stored = client.genericKubernetesResources(kind.context())
                        .inNamespace(r.getMetadata().getNamespace())
                        .resource(r)
                        .createOr(NonDeletingOperation::update);
                written.put(IstioConfigWatcher.key(stored), stored.getMetadata().getResourceVersion());
            } catch (KubernetesClientException e) {
                if (e.getCode() == 400 || e.getCode() == 422) {
                    // Refused by the API server (its schema, or a validating webhook): the problem is the config's.
                    problems.add(new ConfigProblem(
                            w.source(),
                            what,
                            "",
                            e.getStatus() != null ? e.getStatus().getMessage() : e.getMessage()));
                    continue;
                }
                throw new IllegalStateException(IstioCrds.describe(e, "apply " + what), e);
            }
        }
        await(written);
        return problems.isEmpty() ? planned : new ApplyResult(List.of(), problems);
    }

    @Override
    public ApplyResult delete(List<ResourceKey> keys) {
        List<ApplyResult.Change> changes = new ArrayList<>();
        Map<ResourceKey, String> gone = new LinkedHashMap<>();
        for (ResourceKey k : keys) {
            if (k.kind().equals(CredentialSecrets.KIND)) {
                try {
                    Secret secret = client.secrets()
                            .inNamespace(k.namespace())
                            .withName(k.name())
                            .get();
                    if (secret != null
                            && secret.getMetadata().getLabels() != null
                            && "meshbox".equals(secret.getMetadata().getLabels().get(MANAGED_BY))) {
                        client.secrets()
                                .inNamespace(k.namespace())
                                .withName(k.name())
                                .delete();
                        gone.put(k, null);
                    } else {
                        // A Secret of the user's (kubectl create secret): the mesh forgets it, the cluster keeps it;
                        // a change to it is taken in again.
                        store.delete(List.of(k));
                    }
                } catch (KubernetesClientException e) {
                    throw new IllegalStateException(IstioCrds.describe(e, "delete " + k), e);
                }
                changes.add(new ApplyResult.Change(k, ApplyResult.Action.DELETED));
                continue;
            }
            IstioCrds.Kind kind = IstioCrds.KINDS.stream()
                    .filter(c -> c.keyKind().equals(k.kind()))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("not an Istio kind MeshBox watches: " + k.kind()));
            try {
                client.genericKubernetesResources(kind.context())
                        .inNamespace(k.namespace())
                        .withName(k.name())
                        .delete();
            } catch (KubernetesClientException e) {
                throw new IllegalStateException(IstioCrds.describe(e, "delete " + k), e);
            }
            gone.put(k, null);
            changes.add(new ApplyResult.Change(k, ApplyResult.Action.DELETED));
        }
        await(gone);
        return new ApplyResult(changes, List.of());
    }

    /** Marked as applied through the mesh, so removing the mesh removes it (what kubectl applied stays). */
    private static void labelled(ObjectMeta meta) {
        Map<String, String> labels = new LinkedHashMap<>(meta.getLabels() == null ? Map.of() : meta.getLabels());
        labels.putIfAbsent(MANAGED_BY, "meshbox");
        meta.setLabels(labels);
    }

    private void await(Map<ResourceKey, String> expected) {
        try {
            if (!watcher.awaitSeen(expected, SEEN)) {
                throw new IllegalStateException(
                        "the Kubernetes API took the change but its watch did not deliver it within " + SEEN.toSeconds()
                                + " s: " + expected.keySet());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the watch", e);
        }
    }

    private List<JsonNode> documents(ConfigStore.Source s) {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = yaml.readerFor(JsonNode.class).readValues(s.text())) {
            while (it.hasNextValue()) {
                JsonNode doc = it.nextValue();
                if (doc != null && doc.isObject()) {
                    docs.add(doc);
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(s.name() + ": not valid YAML: " + e.getMessage(), e);
        }
        return docs;
    }

    private static IstioCrds.Kind kind(GenericKubernetesResource r) {
        return IstioCrds.KINDS.stream()
                .filter(k -> k.matches(r.getKind(), r.getApiVersion()))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("not an Istio kind MeshBox watches: " + r.getKind()));
    }

    private record Pending(String source, GenericKubernetesResource resource) {}

    private record SecretWrite(String source, Secret secret) {}
}
