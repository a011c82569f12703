package dev.meshbox.controlplane.registry.kubernetes;

import dev.meshbox.controlplane.registry.ServiceRegistry;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Istio's secret controller ({@code pkg/kube/multicluster/secretcontroller.go}): watches the Secrets in the control
 * plane's namespace labelled {@code istio/multiCluster: "true"} (what {@code istioctl create-remote-secret} makes);
 * each data key is a cluster id whose value is a kubeconfig. For each, a {@link KubernetesRegistry} on that cluster's
 * API server (its Services and Pods) is handed to the control plane's {@code addRemoteCluster}: its endpoints join this
 * control plane's EDS. A changed kubeconfig replaces the cluster, a deleted Secret (or key) removes it. As Istio, the
 * control plane's own cluster id in a Secret is ignored, a cluster id another Secret already registered is ignored,
 * and a kubeconfig that cannot be read or whose API server cannot be listed is a warning naming the Secret and key.
 */
public final class RemoteSecretController implements AutoCloseable {

    /** Where remote clusters go: the control plane's clusterId, addRemoteCluster and removeRemoteCluster. */
    public interface Clusters {
        String clusterId();

        void add(String clusterId, ServiceRegistry registry);

        void remove(String clusterId);
    }

    /** Istio's label on remote secrets ({@code multicluster.MultiClusterSecretLabel}). */
    public static final String LABEL = "istio/multiCluster";
    /** The annotation {@code istioctl create-remote-secret} puts on them: the cluster's name. */
    public static final String CLUSTER_ANNOTATION = "networking.istio.io/cluster";

    private static final Logger LOG = LoggerFactory.getLogger(RemoteSecretController.class);

    private final KubernetesClient client;
    private final String namespace;
    private final Clusters controlPlane;
    private final Function<String, KubernetesClient> connect;
    /** Cluster starts and stops run one at a time, off the informer's thread (a remote list may take long). */
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "remote-secrets");
        t.setDaemon(true);
        return t;
    });
    /** Per cluster id, the cluster it watches; touched only on {@link #worker}. */
    private final Map<String, RemoteCluster> clusters = new HashMap<>();
    /** Per "Secret NS/NAME, key ID", why it is not in use (the last warning), for diagnostics. */
    private final Map<String, String> problems = new java.util.concurrent.ConcurrentSkipListMap<>();

    private final Duration syncTimeout;
    private SharedIndexInformer<Secret> informer;

    /** A remote cluster: the Secret that named it, its kubeconfig, and the client and registry on its API server. */
    private record RemoteCluster(
            String secret,
            String kubeconfig,
            KubernetesClient client,
            java.util.concurrent.atomic.AtomicReference<KubernetesRegistry> registry) {
        void close() {
            client.close();
            KubernetesRegistry r = registry.get();
            if (r != null) {
                r.close();
            }
        }
    }

    public RemoteSecretController(KubernetesClient client, String namespace, Clusters controlPlane) {
        this(client, namespace, controlPlane, RemoteSecretController::clientFor, Duration.ofSeconds(30));
    }

    /** @param syncTimeout how long a remote API server may take to answer its first lists before it is a warning */
    RemoteSecretController(
            KubernetesClient client,
            String namespace,
            Clusters controlPlane,
            Function<String, KubernetesClient> connect,
            Duration syncTimeout) {
        this.client = client;
        this.namespace = namespace;
        this.controlPlane = controlPlane;
        this.connect = connect;
        this.syncTimeout = syncTimeout;
    }

    /** A client on the API server a kubeconfig names (its current context); throws when it cannot be read. */
    static KubernetesClient clientFor(String kubeconfig) {
        Config config;
        try {
            config = Config.fromKubeconfig(kubeconfig);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a kubeconfig: " + e.getMessage(), e);
        }
        if (!kubeconfig.contains("server:") || config.getMasterUrl() == null) {
            throw new IllegalArgumentException("not a kubeconfig: no cluster server in its current context");
        }
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /** Lists and watches the remote secrets; returns once the existing ones are being connected. */
    public RemoteSecretController start() {
        informer = client.secrets()
                .inNamespace(namespace)
                .withLabel(LABEL, "true")
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Secret s) {
                        submit(s.getMetadata().getName(), kubeconfigs(s));
                    }

                    @Override
                    public void onUpdate(Secret old, Secret s) {
                        submit(s.getMetadata().getName(), kubeconfigs(s));
                    }

                    @Override
                    public void onDelete(Secret s, boolean unknownFinalState) {
                        submit(s.getMetadata().getName(), Map.of());
                    }
                });
        return this;
    }

    /** The cluster ids this controller watches now, with the Secret naming each (for diagnostics and tests). */
    public Map<String, String> clusters() {
        return onWorker(() -> {
            Map<String, String> out = new java.util.TreeMap<>();
            clusters.forEach((id, c) -> out.put(id, c.secret()));
            return out;
        });
    }

    /** The cluster ids whose API servers are being watched now: their first lists are in and their watches open. */
    public java.util.Set<String> watching() {
        return onWorker(() -> {
            java.util.Set<String> out = new java.util.TreeSet<>();
            clusters.forEach((id, c) -> {
                KubernetesRegistry r = c.registry().get();
                if (r != null && r.watching()) {
                    out.add(id);
                }
            });
            return out;
        });
    }

    private <T> T onWorker(java.util.concurrent.Callable<T> task) {
        try {
            return worker.submit(task).get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("remote secrets: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Per {@code Secret NAMESPACE/NAME, key CLUSTER}, why that cluster is not watched (a kubeconfig it cannot read, an
     * API server it cannot list, this control plane's own cluster id, a cluster id another Secret registered).
     */
    public Map<String, String> problems() {
        return Map.copyOf(problems);
    }

    /** Each data key (a cluster id) and its kubeconfig, decoded; stringData as well, should a client send it. */
    private static Map<String, String> kubeconfigs(Secret s) {
        Map<String, String> out = new LinkedHashMap<>();
        if (s.getData() != null) {
            s.getData().forEach((k, v) -> out.put(k, decode(v)));
        }
        if (s.getStringData() != null) {
            out.putAll(s.getStringData());
        }
        return out;
    }

    private static String decode(String base64) {
        try {
            return new String(Base64.getDecoder().decode(base64 == null ? "" : base64), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    private void submit(String secret, Map<String, String> kubeconfigs) {
        worker.execute(() -> {
            try {
                reconcile(secret, kubeconfigs);
            } catch (RuntimeException e) {
                LOG.warn("remote secret {}/{}: {}", namespace, secret, e.getMessage(), e);
            }
        });
    }

    /** Makes the clusters of one Secret what its data says now (empty: the Secret is gone). */
    private void reconcile(String secret, Map<String, String> kubeconfigs) {
        problems.keySet().removeIf(k -> k.startsWith("Secret " + namespace + "/" + secret + ", "));
        for (String id : new ArrayList<>(clusters.keySet())) {
            RemoteCluster c = clusters.get(id);
            if (c.secret().equals(secret) && !kubeconfigs.containsKey(id)) {
                remove(id);
                LOG.info("remote cluster {} removed (Secret {}/{} no longer names it)", id, namespace, secret);
            }
        }
        kubeconfigs.forEach((id, kubeconfig) -> {
            String where = "Secret " + namespace + "/" + secret + ", key " + id;
            problems.remove(where);
            if (id.equals(controlPlane.clusterId())) {
                problem(
                        where,
                        "cluster " + id + " is this control plane's own cluster id; ignored, as it would"
                                + " overwrite the config cluster");
                return;
            }
            RemoteCluster existing = clusters.get(id);
            if (existing != null && !existing.secret().equals(secret)) {
                problem(
                        where,
                        "cluster " + id + " is already registered by Secret " + namespace + "/" + existing.secret()
                                + "; ignored");
                return;
            }
            if (existing != null && existing.kubeconfig().equals(kubeconfig)) {
                return; // unchanged
            }
            add(id, secret, kubeconfig, where);
        });
    }

    private void add(String id, String secret, String kubeconfig, String where) {
        KubernetesClient remote;
        try {
            remote = connect.apply(kubeconfig);
        } catch (RuntimeException e) {
            problem(where, "cannot use the kubeconfig for cluster " + id + ": " + e.getMessage());
            return;
        }
        ServiceRegistry registry = new ServiceRegistry();
        var informers = new java.util.concurrent.atomic.AtomicReference<KubernetesRegistry>();
        RemoteCluster previous = clusters.put(id, new RemoteCluster(secret, kubeconfig, remote, informers));
        // Registered at once, its endpoints arriving as its first lists do: a slow or unreachable API server never
        // holds up the other Secrets (Istio likewise goes on after its remote cluster sync timeout).
        controlPlane.add(id, registry);
        if (previous != null) {
            previous.close();
        }
        String server = remote.getConfiguration().getMasterUrl();
        java.util.concurrent.CompletableFuture.runAsync(
                        () -> {
                            // Its pods are on its network: the topology.istio.io/network label of its istio-system,
                            // followed.
                            KubernetesRegistry k8s = new KubernetesRegistry(remote, registry)
                                    .followingNetworkOf(namespace)
                                    .eastWestGatewaysAtLoadBalancer();
                            informers.set(k8s);
                            k8s.start();
                            problems.remove(where);
                            LOG.info("remote cluster {} added from {} (API server {})", id, where, server);
                        },
                        r -> {
                            Thread t = new Thread(r, "remote-cluster-" + id);
                            t.setDaemon(true);
                            t.start();
                        })
                .orTimeout(syncTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((ok, e) -> {
                    if (e == null || remote.getHttpClient().isClosed()) {
                        return;
                    }
                    Throwable cause = e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
                    problem(
                            where,
                            cause instanceof java.util.concurrent.TimeoutException
                                    ? "cluster " + id + " at " + server + " has not answered its first list in "
                                            + syncTimeout.toSeconds() + " s (still trying)"
                                    : "cannot watch cluster " + id + " at " + server + ": " + cause.getMessage());
                });
    }

    private void problem(String where, String message) {
        problems.put(where, message);
        LOG.warn("remote secret: {}: {}", where, message);
    }

    private void remove(String id) {
        RemoteCluster c = clusters.remove(id);
        controlPlane.remove(id);
        if (c != null) {
            c.close();
        }
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
        try {
            worker.submit(() -> List.copyOf(clusters.keySet()).forEach(this::remove))
                    .get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.warn("remote secrets: closing the remote clusters: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            worker.shutdownNow();
        }
    }
}
