package dev.meshbox.controlplane;

import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.config.RequestAuthentication;
import dev.meshbox.controlplane.config.ResourceKey;
import dev.meshbox.controlplane.gatewayapi.GatewayApiConverter;
import dev.meshbox.controlplane.gatewayapi.ResourceStatus;
import dev.meshbox.controlplane.jwks.JwksResolver;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServiceRegistry;
import dev.meshbox.controlplane.security.SecurityOptions;
import dev.meshbox.controlplane.security.WorkloadCertificate;
import dev.meshbox.controlplane.security.WorkloadCertificates;
import dev.meshbox.controlplane.translate.MeshView;
import dev.meshbox.controlplane.translate.MutualTls;
import dev.meshbox.controlplane.translate.ProxylessGrpc;
import dev.meshbox.controlplane.translate.Translator;
import dev.meshbox.controlplane.translate.XdsResources;
import dev.meshbox.controlplane.xds.Convergence;
import dev.meshbox.controlplane.xds.ProxyResources;
import dev.meshbox.controlplane.xds.ProxyStatus;
import dev.meshbox.controlplane.xds.XdsServer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The control plane: a config store and a service registry in, one xDS snapshot per proxy out. Every change to
 * either side retranslates the mesh ({@code translate}) and publishes new snapshots ({@code xds}); proxies receive
 * them over ADS. This class is where translation and serving meet; neither knows the other.
 *
 * <p>What a rebuild produces for readers (the warnings, the translation each proxy is served) is published as
 * immutable values through volatile fields, so a reader sees one rebuild's result or the next one's, never a mix or
 * an empty list in between.
 */
public final class ControlPlane implements AutoCloseable {

    private final ConfigStore config = new ConfigStore();
    /** Replaced when the mesh config changes ({@link #meshConfig}); the CA and certificate lifetime stay. */
    private volatile SecurityOptions security;

    private final WorkloadCertificates certificates;
    /** Per identity, the SDS secrets of its current certificate (rebuilt when the certificate rotates). */
    private final Map<String, IssuedSecrets> secrets = new java.util.concurrent.ConcurrentHashMap<>();

    private final java.util.concurrent.ScheduledExecutorService rotation =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "meshbox-cert-rotation");
                t.setDaemon(true);
                return t;
            });
    private java.util.concurrent.ScheduledFuture<?> nextRotation;
    private final ServiceRegistry registry = new ServiceRegistry();
    /** The other clusters' registries this control plane watches for endpoints (their remote secrets). */
    private final RemoteClusters remotes = new RemoteClusters(this::rebuild);

    private volatile String clusterId = dev.meshbox.controlplane.registry.Topology.DEFAULT_CLUSTER_ID;
    private volatile String network = "";
    private final XdsServer xds = new XdsServer();
    private final JwksResolver jwks = new JwksResolver();
    /** Retries JWKS fetches that failed and refreshes stale ones, rebuilding when a document changed. */
    private final ScheduledExecutorService jwksRefresher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "jwks-refresh");
        t.setDaemon(true);
        return t;
    });
    /** The last rebuild's warnings, immutable. */
    private volatile List<String> warnings = List.of();
    /** Per node id, the translation its snapshot holds, immutable. */
    private volatile Map<String, XdsResources> served = Map.of();

    private final Object rebuildLock = new Object();
    private final AtomicLong rebuildsRequested = new AtomicLong();
    /** The last change number a finished rebuild covered; guarded by {@link #rebuildLock}. */
    private long rebuiltUpTo;

    private record IssuedSecrets(WorkloadCertificate certificate, List<Secret> secrets) {}

    /** A control plane with {@link SecurityOptions#DEFAULTS}: a generated root, 24 h workload certificates. */
    public ControlPlane() {
        this(SecurityOptions.DEFAULTS);
    }

    public ControlPlane(SecurityOptions security) {
        this.security = security;
        config.tracingProviders(security.tracing().providerNames());
        this.certificates = new WorkloadCertificates(
                security.certificateAuthority(java.time.Instant.now()),
                security.workloadCertTtl(),
                java.time.Clock.systemUTC());
        // Every writer of config (ConfigStore.apply and delete, the Kubernetes watcher, the UI) and of the registry
        // (the platform adapters, the local backend) reaches the proxies through these two listeners. Each runs on
        // the writer's thread, after the new snapshot is in place, and returns once a rebuild that read it has
        // published: when apply returns, every proxy's snapshot already holds the change, so a caller can go on to
        // awaitConverged. ConfigStore calls its listeners while holding its monitor, which keeps rebuilds in commit
        // order; the lock order is the store's monitor, then rebuildLock, and rebuild never takes the store's monitor
        // (it reads the store's volatile snapshot), so registry changes rebuilding on other threads cannot deadlock.
        config.onChange(s -> rebuild());
        registry.onChange(s -> rebuild());
        xds.onProxylessChange(this::rebuild);
        xds.onProxyConfigChange(this::rebuild);
    }

    /** Starts the ADS server (127.0.0.1:15010 by default; port 0 picks a free one). */
    public ControlPlane start(InetSocketAddress xdsBind) {
        xds.start(xdsBind);
        rebuild();
        long period = JwksResolver.RETRY_AFTER.toMillis();
        jwksRefresher.scheduleWithFixedDelay(this::refreshJwks, period, period, TimeUnit.MILLISECONDS);
        return this;
    }

    private void refreshJwks() {
        try {
            if (jwks.refresh(jwksUris(config.snapshot()))) {
                rebuild();
            }
        } catch (RuntimeException e) {
            // a failed refresh is retried on the next tick; the scheduler must keep running
        }
    }

    /**
     * This control plane's cluster id and network (Istio's {@code values.global.multiCluster.clusterName} and
     * {@code values.global.network}); set before {@link #start}. The defaults are Istio's: cluster {@code Kubernetes},
     * no network. A pod without {@link dev.meshbox.controlplane.registry.Topology} labels is in this cluster and
     * network; the ids reach proxies as their cluster ({@code ISTIO_META_CLUSTER_ID}) and network
     * ({@code ISTIO_META_NETWORK}), which decide which endpoints they see directly and which through a gateway.
     */
    public ControlPlane clusterIdentity(String clusterId, String network) {
        if (clusterId == null || clusterId.isBlank()) {
            throw new IllegalArgumentException("clusterIdentity: clusterId must not be empty");
        }
        this.clusterId = clusterId;
        this.network = network == null ? "" : network;
        rebuild();
        return this;
    }

    /** This control plane's cluster id ({@code Kubernetes} unless {@link #clusterIdentity} set another). */
    public String clusterId() {
        return clusterId;
    }

    /** This control plane's network (empty unless {@link #clusterIdentity} set one). */
    public String network() {
        return network;
    }

    /**
     * Istio's remote secret: this control plane watches another cluster's registry (its services and pods) for
     * endpoint discovery, as istiod does with a {@code istio-remote-secret-<cluster>} Secret. A service in both
     * clusters is one service whose endpoints are the union; a service only in the remote cluster is known too. The
     * remote cluster's config (VirtualServices, DestinationRules, ...) is not shared, and its pods are never proxies
     * of this control plane. Every change in the remote registry pushes as a local change does. Adding a cluster id
     * again replaces its registry.
     *
     * @throws IllegalArgumentException when the id is this control plane's own cluster id
     */
    public ControlPlane addRemoteCluster(String clusterId, ServiceRegistry remote) {
        if (clusterId == null || clusterId.isBlank()) {
            throw new IllegalArgumentException("addRemoteCluster: clusterId must not be empty");
        }
        if (clusterId.equals(this.clusterId)) {
            throw new IllegalArgumentException("addRemoteCluster: cluster '" + clusterId
                    + "' is this control plane's own cluster id; a remote cluster needs a different name");
        }
        remotes.add(clusterId, remote);
        rebuild();
        return this;
    }

    /** The ids of the remote clusters this control plane watches, sorted. */
    public List<String> remoteClusters() {
        return remotes.ids();
    }

    /** The registry of remote cluster {@code clusterId}, as this control plane watches it. */
    public java.util.Optional<ServiceRegistry> remoteRegistry(String clusterId) {
        return remotes.registry(clusterId);
    }

    /** Stops watching a remote cluster's registry (its remote secret was deleted); its endpoints leave EDS. */
    public ControlPlane removeRemoteCluster(String clusterId) {
        if (remotes.remove(clusterId)) {
            rebuild();
        }
        return this;
    }

    public int xdsPort() {
        return xds.port();
    }

    /** The mesh's CA and the workload certificates it issued. */
    public WorkloadCertificates certificates() {
        return certificates;
    }

    public SecurityOptions security() {
        return security;
    }

    /**
     * The mesh config changed (Istio's {@code istio} ConfigMap, as istiod watches it): its extension providers and
     * outbound traffic policy replace the current ones and every proxy is pushed the result. The CA and the
     * certificate lifetime are not mesh config and stay.
     */
    public void meshConfig(
            List<dev.meshbox.controlplane.security.ExtAuthzProvider> extensionProviders,
            dev.meshbox.controlplane.config.OutboundTrafficPolicy outboundTrafficPolicy) {
        meshConfig(
                security.withExtensionProviders(extensionProviders).withOutboundTrafficPolicy(outboundTrafficPolicy));
    }

    /** As above, with the mesh config's tracing settings too. */
    public void meshConfig(dev.meshbox.controlplane.security.MeshConfigFile.Settings settings) {
        meshConfig(settings.applyTo(security));
    }

    private void meshConfig(SecurityOptions next) {
        if (!next.equals(security)) {
            config.tracingProviders(next.tracing().providerNames());
            security = next;
            rebuild();
        }
    }

    public ConfigStore config() {
        return config;
    }

    public ServiceRegistry registry() {
        return registry;
    }

    /**
     * The status Istio would write on each Gateway API resource (Gateway: Accepted, Programmed; HTTPRoute: Accepted,
     * ResolvedRefs per parent), for the current config and registry.
     */
    public Map<ResourceKey, ResourceStatus> gatewayApiStatus() {
        return GatewayApiConverter.convert(config.snapshot(), registry.snapshot())
                .statuses();
    }

    /** Problems met in the last translation (routes to unknown hosts, undefined subsets, ...); immutable. */
    public List<String> warnings() {
        return warnings;
    }

    /**
     * The control plane's metrics in Prometheus text under istiod's names, for its monitoring port's {@code /metrics}:
     * {@code pilot_xds}, {@code pilot_xds_pushes}, {@code pilot_total_xds_rejects}, {@code pilot_services},
     * {@code pilot_virt_services} and {@code pilot_proxies} (proxies this control plane serves).
     */
    public String prometheusText() {
        return xds.prometheusText(Map.of(
                "pilot_services", (long) registry.snapshot().services().size(),
                "pilot_virt_services",
                        (long) config.snapshot()
                                .all(dev.meshbox.controlplane.config.VirtualService.class)
                                .size(),
                "pilot_proxies", (long) xds.nodes().size()));
    }

    public Map<String, ProxyStatus> proxyStatus() {
        return xds.status();
    }

    /** What the last rebuild translated for a proxy and the xDS server serves it, or null for an unknown proxy. */
    public XdsResources resources(String nodeId) {
        return served.get(nodeId);
    }

    /**
     * Waits until every proxy in the mesh has ACKed its current snapshot; ends early when one NACKed it. The outcome
     * names the proxy that rejected its snapshot, or those still lagging at the timeout.
     */
    public Convergence.Outcome awaitConvergence(Duration timeout) throws InterruptedException {
        return xds.awaitAcked(xds.nodes(), timeout);
    }

    /** Whether every proxy in the mesh ACKed its current snapshot within the timeout (see {@link #awaitConvergence}). */
    public boolean awaitConverged(Duration timeout) throws InterruptedException {
        return awaitConvergence(timeout).converged();
    }

    /** The proxies not in sync with their snapshots, each with what it lacks (for error messages). */
    public String describeLagging() {
        return proxyStatus().values().stream()
                .filter(p -> !p.synced())
                .map(ProxyStatus::describeLag)
                .collect(Collectors.joining("\n  ", "\n  ", ""));
    }

    /**
     * Retranslates the mesh and publishes every proxy's snapshot; returns once a rebuild that read the caller's change
     * has published. Changes arriving together from several threads (pods becoming ready at start) share one rebuild:
     * a caller whose change a rebuild that started after it already covered returns at once.
     */
    private void rebuild() {
        long mine = rebuildsRequested.incrementAndGet();
        synchronized (rebuildLock) {
            if (rebuiltUpTo >= mine) {
                return;
            }
            // Every change numbered up to here published its snapshot before asking, so the views below include it.
            long upTo = rebuildsRequested.get();
            ConfigStore.Snapshot configNow = config.snapshot();
            SecurityOptions security = this.security;
            MeshView view = new MeshView(
                    configNow,
                    remotes.view(registry.snapshot(), clusterId, network),
                    null,
                    jwks.resolve(jwksUris(configNow)),
                    new MeshView.MeshSecurity(
                            security.autoMtls(),
                            security.extensionProviders(),
                            security.outboundTrafficPolicy(),
                            security.tracing().withProxySampling(xds.proxyConfigSampling()),
                            security.localityLbSetting()));
            String ownCluster = clusterId;
            // remote clusters' pods are endpoints only: their own control planes push to their proxies
            List<Pod> proxies = view.registry().proxies().stream()
                    .filter(p -> ownCluster.equals(dev.meshbox.controlplane.registry.Topology.clusterOf(p, ownCluster)))
                    .toList();
            List<XdsResources> translated = Translator.translateAll(view, proxies);
            Map<String, XdsResources> nextServed = new HashMap<>();
            Set<String> nextWarnings = new LinkedHashSet<>();
            Set<XdsResources> warned = Collections.newSetFromMap(new IdentityHashMap<>());
            for (int i = 0; i < proxies.size(); i++) {
                String node = proxies.get(i).nodeId();
                XdsResources r = translated.get(i);
                if (warned.add(r)) { // a proxy group shares one resources object
                    nextWarnings.addAll(r.warnings());
                }
                boolean published = xds.publish(
                        node,
                        new ProxyResources(
                                r.listeners(),
                                r.routes(),
                                r.clusters(),
                                r.endpoints(),
                                proxies.get(i).role() == Pod.ProxyKind.GATEWAY
                                        ? dev.meshbox.controlplane.translate.GatewayCredentials.withCredentials(
                                                secretsOf(proxies.get(i)), view, proxies.get(i), r.listeners())
                                        : secretsOf(proxies.get(i))));
                XdsResources held = published ? r : served.get(node);
                if (held != null) {
                    nextServed.put(node, held);
                }
            }
            Map<String, XdsResources> byNamespace = new HashMap<>();
            xds.proxylessClients().forEach((node, client) -> {
                // null when translating failed: those clients keep their last snapshot, the sidecars are unaffected
                XdsResources r =
                        byNamespace.computeIfAbsent(client.namespace(), ns -> ProxylessGrpc.translateOrNull(view, ns));
                if (r != null && !client.serverListeners().isEmpty()) {
                    r = ProxylessGrpc.withServerListeners(r, client.serverListeners());
                }
                boolean published = r != null
                        && xds.publishProxyless(
                                node,
                                new ProxyResources(r.listeners(), r.routes(), r.clusters(), r.endpoints(), List.of()));
                XdsResources held = published ? r : served.get(node);
                if (held != null) {
                    nextServed.put(node, held);
                }
            });
            rebuiltUpTo = upTo;
            for (String node : xds.nodes()) {
                if (!nextServed.containsKey(node)) {
                    xds.remove(node);
                }
            }
            served = Map.copyOf(nextServed);
            warnings = List.copyOf(nextWarnings);
            Set<String> identities = proxies.stream().map(Pod::spiffeId).collect(Collectors.toSet());
            certificates.retainOnly(identities);
            secrets.keySet().retainAll(identities);
            scheduleRotation();
        }
    }

    /** The SDS secrets {@code default} and {@code ROOTCA} of a proxy: its identity's current certificate. */
    private List<Secret> secretsOf(Pod proxy) {
        WorkloadCertificate cert = certificates.forIdentity(proxy.spiffeId());
        IssuedSecrets held = secrets.get(proxy.spiffeId());
        if (held != null && held.certificate() == cert) {
            return held.secrets(); // the same list object: the xDS server versions it once
        }
        List<Secret> fresh = MutualTls.secrets(cert);
        secrets.put(proxy.spiffeId(), new IssuedSecrets(cert, fresh));
        return fresh;
    }

    /**
     * Rebuilds when the next certificate is due for rotation (half its lifetime), so each proxy gets its new
     * certificate over SDS before the old one expires. Called under {@link #rebuildLock}.
     */
    private void scheduleRotation() {
        if (nextRotation != null) {
            nextRotation.cancel(false);
            nextRotation = null;
        }
        certificates.nextRotation().ifPresent(at -> {
            long delay =
                    Math.max(0, Duration.between(java.time.Instant.now(), at).toMillis()) + 10;
            if (!rotation.isShutdown()) {
                nextRotation = rotation.schedule(this::rebuild, delay, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        });
    }

    /** The {@code jwksUri}s istiod fetches: those of rules without an inline {@code jwks}. */
    private static Set<String> jwksUris(ConfigStore.Snapshot config) {
        Set<String> uris = new LinkedHashSet<>();
        for (RequestAuthentication ra : config.all(RequestAuthentication.class)) {
            ra.jwtRules().stream()
                    .filter(r -> r.jwks().isEmpty() && !r.jwksUri().isEmpty())
                    .forEach(r -> uris.add(r.jwksUri()));
        }
        return uris;
    }

    @Override
    public void close() {
        remotes.clear(); // the other clusters' registries outlive this control plane: they must not rebuild it
        rotation.shutdownNow();
        jwksRefresher.shutdownNow();
        xds.close();
    }
}
