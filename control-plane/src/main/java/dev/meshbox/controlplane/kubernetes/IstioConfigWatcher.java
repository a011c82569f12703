package dev.meshbox.controlplane.kubernetes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.meshbox.controlplane.config.ApplyResult;
import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.config.GatewayApi;
import dev.meshbox.controlplane.config.ResourceKey;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the config store in step with Istio's custom resources in the cluster, as istiod watches them: a
 * VirtualService, DestinationRule or Gateway created or changed with {@code kubectl apply} is validated and applied,
 * one deleted is removed; a Secret holding a certificate, key or CA is taken in as a gateway credential
 * ({@link CredentialSecrets}). A resource the control plane rejects is not applied (the proxies keep the last good
 * config) and its problems are kept for {@link #problems()} and logged, as {@code istioctl analyze} would report them.
 * It stays pending and is tried again whenever other config is taken in or removed: the informers of the different
 * kinds deliver in no particular order, so a VirtualService can arrive before the DestinationRule whose subsets it
 * names, though {@code kubectl apply} created the rule first.
 */
public final class IstioConfigWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IstioConfigWatcher.class);

    private final KubernetesClient client;
    private final ConfigStore store;
    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    private final List<SharedIndexInformer<GenericKubernetesResource>> informers = new ArrayList<>();
    private final List<SharedIndexInformer<Secret>> secretInformers = new ArrayList<>();
    private final Map<String, List<String>> problems = new ConcurrentHashMap<>();
    /** Rejected resources as last seen, by source, tried again after every other change; guarded by {@link #applying}. */
    private final Map<String, GenericKubernetesResource> pending = new LinkedHashMap<>();
    /** Informers call back on their own threads: one change is taken in at a time. */
    private final Object applying = new Object();

    private final List<String> namespaces;
    /** The resourceVersion of every resource seen, so a writer can wait until its write has been taken in. */
    private final Map<ResourceKey, String> versions = new ConcurrentHashMap<>();

    /** Watches every namespace, as istiod does by default. */
    public IstioConfigWatcher(KubernetesClient client, ConfigStore store) {
        this(client, store, List.of());
    }

    /** Watches only {@code namespaces} (all when empty), as istiod's discovery selectors narrow what it sees. */
    public IstioConfigWatcher(KubernetesClient client, ConfigStore store, List<String> namespaces) {
        this.client = client;
        this.store = store;
        this.namespaces = List.copyOf(namespaces);
    }

    public List<String> namespaces() {
        return namespaces;
    }

    /** Starts watching; fails with the missing CRDs named when the cluster lacks Istio's kinds. */
    public IstioConfigWatcher start() {
        List<String> missing = IstioCrds.missing(client);
        if (!missing.isEmpty()) {
            throw new IllegalStateException(
                    "the cluster lacks Istio's CustomResourceDefinitions " + missing
                            + "; install them (MeshBox's launcher does, or kubectl apply -f istio-crds.yaml from the control-plane jar)");
        }
        // Gateway credentials (credentialName), as istiod's credential controller watches Secrets.
        if (namespaces.isEmpty()) {
            secretInformers.add(client.secrets().inAnyNamespace().inform(secretHandler()));
        } else {
            for (String ns : namespaces) {
                secretInformers.add(client.secrets().inNamespace(ns).inform(secretHandler()));
            }
        }
        for (IstioCrds.Kind kind : IstioCrds.KINDS) {
            if (namespaces.isEmpty()) {
                informers.add(client.genericKubernetesResources(kind.context())
                        .inAnyNamespace()
                        .inform(handler()));
            } else {
                for (String ns : namespaces) {
                    informers.add(client.genericKubernetesResources(kind.context())
                            .inNamespace(ns)
                            .inform(handler()));
                }
            }
        }
        return this;
    }

    private ResourceEventHandler<GenericKubernetesResource> handler() {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource r) {
                applied(r);
            }

            @Override
            public void onUpdate(GenericKubernetesResource old, GenericKubernetesResource r) {
                applied(r);
            }

            @Override
            public void onDelete(GenericKubernetesResource r, boolean unknownFinalState) {
                ResourceKey key = key(r);
                synchronized (applying) {
                    problems.remove(source(r));
                    pending.remove(source(r));
                    store.delete(List.of(key));
                    retryPending();
                }
                seen(key, null);
            }
        };
    }

    private ResourceEventHandler<Secret> secretHandler() {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(Secret s) {
                secretChanged(s);
            }

            @Override
            public void onUpdate(Secret old, Secret s) {
                secretChanged(s);
            }

            @Override
            public void onDelete(Secret s, boolean unknownFinalState) {
                ResourceKey key = CredentialSecrets.key(s);
                synchronized (applying) {
                    problems.remove(CredentialSecrets.source(s));
                    if (store.snapshot().resources().containsKey(key)) {
                        store.delete(List.of(key));
                        retryPending();
                    }
                }
                seen(key, null);
            }
        };
    }

    /**
     * A Secret created or changed: taken in when it holds a credential (a rotation re-pushes SDS to the gateways that
     * use it), dropped from the store when it no longer does.
     */
    private void secretChanged(Secret s) {
        ResourceKey key = CredentialSecrets.key(s);
        String source = CredentialSecrets.source(s);
        synchronized (applying) {
            if (CredentialSecrets.isCredential(s)) {
                ApplyResult result = store.apply(List.of(new ConfigStore.Source(source, CredentialSecrets.text(s))));
                if (result.ok()) {
                    problems.remove(source);
                    retryPending();
                } else {
                    List<String> messages =
                            result.problems().stream().map(Object::toString).toList();
                    problems.put(source, messages);
                    LOG.warn("{} rejected, the gateways keep the last good credential: {}", source, messages);
                }
            } else if (store.snapshot().resources().containsKey(key)) {
                problems.remove(source);
                store.delete(List.of(key));
            }
        }
        seen(key, s.getMetadata().getResourceVersion());
    }

    static ResourceKey key(GenericKubernetesResource r) {
        return new ResourceKey(
                GatewayApi.keyKind(r.getKind(), r.getApiVersion()),
                r.getMetadata().getNamespace(),
                r.getMetadata().getName());
    }

    private synchronized void seen(ResourceKey key, String resourceVersion) {
        if (resourceVersion == null) {
            versions.remove(key);
        } else {
            versions.put(key, resourceVersion);
        }
        notifyAll();
    }

    /**
     * Waits until the watch has delivered every write: each key at its resourceVersion, or gone where the expected
     * version is null. False on timeout.
     */
    public synchronized boolean awaitSeen(Map<ResourceKey, String> expected, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!expected.entrySet().stream().allMatch(e -> Objects.equals(versions.get(e.getKey()), e.getValue()))) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    /** What the control plane rejected, by resource ({@code kubernetes: VirtualService default/reviews}). */
    public Map<String, List<String>> problems() {
        return Map.copyOf(problems);
    }

    private void applied(GenericKubernetesResource r) {
        synchronized (applying) {
            if (tryApply(r, true)) {
                retryPending();
            }
        }
        seen(key(r), r.getMetadata().getResourceVersion());
    }

    /** Applies one resource; a rejected one is kept pending with its problems. True when it was taken in. */
    private boolean tryApply(GenericKubernetesResource r, boolean log) {
        String source = source(r);
        ApplyResult result = store.apply(List.of(new ConfigStore.Source(source, text(r))));
        if (result.ok()) {
            problems.remove(source);
            pending.remove(source);
            return true;
        }
        List<String> messages = result.problems().stream().map(Object::toString).toList();
        problems.put(source, messages);
        pending.put(source, r);
        if (log) {
            LOG.warn(
                    "{} rejected, the proxies keep the last good config; tried again when other config changes: {}",
                    source,
                    messages);
        }
        return false;
    }

    /** Tries the pending resources again until none more is taken in (one may need another pending one). */
    private void retryPending() {
        boolean progress = true;
        while (progress && !pending.isEmpty()) {
            progress = false;
            for (GenericKubernetesResource r : List.copyOf(pending.values())) {
                if (tryApply(r, false)) {
                    LOG.info("{} taken in now that the config it refers to is there", source(r));
                    progress = true;
                }
            }
        }
    }

    static String source(GenericKubernetesResource r) {
        return "kubernetes: " + r.getKind() + " " + r.getMetadata().getNamespace() + "/"
                + r.getMetadata().getName();
    }

    /** The resource as Istio YAML: what a user applied, without the API server's bookkeeping (status, managed fields). */
    String text(GenericKubernetesResource r) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("name", r.getMetadata().getName());
        meta.put("namespace", r.getMetadata().getNamespace());
        if (r.getMetadata().getLabels() != null && !r.getMetadata().getLabels().isEmpty()) {
            meta.put("labels", r.getMetadata().getLabels());
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("apiVersion", r.getApiVersion());
        doc.put("kind", r.getKind());
        doc.put("metadata", meta);
        doc.put("spec", r.getAdditionalProperties().getOrDefault("spec", Map.of()));
        try {
            return yaml.writeValueAsString(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::close);
        informers.clear();
        secretInformers.forEach(SharedIndexInformer::close);
        secretInformers.clear();
    }
}
