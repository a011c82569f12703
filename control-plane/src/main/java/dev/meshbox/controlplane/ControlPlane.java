package dev.meshbox.controlplane;

import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServiceRegistry;
import dev.meshbox.controlplane.xds.MeshView;
import dev.meshbox.controlplane.xds.ProxyStatus;
import dev.meshbox.controlplane.xds.Translator;
import dev.meshbox.controlplane.xds.XdsResources;
import dev.meshbox.controlplane.xds.XdsServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The control plane: a config store and a service registry in, one xDS snapshot per proxy out. Every change to
 * either side retranslates the mesh and publishes new snapshots; proxies receive them over ADS.
 */
public final class ControlPlane implements AutoCloseable {

    private final ConfigStore config = new ConfigStore();
    private final ServiceRegistry registry = new ServiceRegistry();
    private final XdsServer xds = new XdsServer();
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final Object rebuildLock = new Object();

    public ControlPlane() {
        config.onChange(s -> rebuild());
        registry.onChange(s -> rebuild());
    }

    /** Starts the ADS server (127.0.0.1:15010 by default; port 0 picks a free one). */
    public ControlPlane start(InetSocketAddress xdsBind) {
        xds.start(xdsBind);
        rebuild();
        return this;
    }

    public int xdsPort() {
        return xds.port();
    }

    public ConfigStore config() {
        return config;
    }

    public ServiceRegistry registry() {
        return registry;
    }

    /** Problems met in the last translation (routes to unknown hosts, undefined subsets, ...). */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    public Map<String, ProxyStatus> proxyStatus() {
        return xds.status();
    }

    public XdsResources resources(String nodeId) {
        return xds.resources(nodeId);
    }

    /** Waits until every proxy in the mesh has ACKed its current snapshot. */
    public boolean awaitConverged(Duration timeout) throws InterruptedException {
        return xds.awaitAcked(xds.nodes(), timeout);
    }

    /** The proxies not in sync with their snapshots, each with what it lacks (for error messages). */
    public String describeLagging() {
        return proxyStatus().values().stream().filter(p -> !p.synced()).map(ProxyStatus::describeLag)
                .collect(java.util.stream.Collectors.joining("\n  ", "\n  ", ""));
    }

    private void rebuild() {
        synchronized (rebuildLock) {
            MeshView view = new MeshView(config.snapshot(), registry.snapshot());
            Set<String> seen = new HashSet<>();
            Set<String> newWarnings = new java.util.LinkedHashSet<>();
            for (Pod proxy : view.registry().proxies()) {
                XdsResources r = Translator.translate(view, proxy);
                newWarnings.addAll(r.warnings());
                xds.publish(proxy, r);
                seen.add(proxy.nodeId());
            }
            for (String node : xds.nodes()) {
                if (!seen.contains(node)) {
                    xds.remove(node);
                }
            }
            warnings.clear();
            warnings.addAll(newWarnings);
        }
    }

    @Override
    public void close() {
        xds.close();
    }
}
