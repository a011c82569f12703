package dev.meshbox.controlplane.kubernetes;

import dev.meshbox.controlplane.security.MeshConfigFile;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mesh config as istiod reads it on Kubernetes: key {@code mesh} of ConfigMap {@code istio} in
 * {@code istio-system}, watched, so a changed {@code outboundTrafficPolicy} or {@code extensionProviders} reaches the
 * proxies without a restart. A ConfigMap that is missing or deleted means Istio's defaults; one the control plane
 * cannot read is logged and the last good mesh config kept (a running mesh is never broken by bad config).
 */
public final class MeshConfigWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MeshConfigWatcher.class);
    public static final String NAMESPACE = "istio-system";
    public static final String NAME = "istio";
    public static final String KEY = "mesh";

    private final KubernetesClient client;
    private final Consumer<MeshConfigFile.Settings> apply;
    private SharedIndexInformer<ConfigMap> informer;
    private volatile Optional<String> problem = Optional.empty();

    /** @param apply takes each mesh config read (the control plane's {@code meshConfig}) */
    public MeshConfigWatcher(KubernetesClient client, Consumer<MeshConfigFile.Settings> apply) {
        this.client = client;
        this.apply = apply;
    }

    /** Reads the ConfigMap now (so the first snapshots already follow it), then watches it. */
    public MeshConfigWatcher start() {
        changed(client.configMaps().inNamespace(NAMESPACE).withName(NAME).get());
        informer = client.configMaps().inNamespace(NAMESPACE).withName(NAME).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap m) {
                changed(m);
            }

            @Override
            public void onUpdate(ConfigMap old, ConfigMap m) {
                changed(m);
            }

            @Override
            public void onDelete(ConfigMap m, boolean unknownFinalState) {
                changed(null);
            }
        });
        return this;
    }

    /** Why the current ConfigMap was not taken (the last good mesh config is in force), if it was not. */
    public Optional<String> problem() {
        return problem;
    }

    private synchronized void changed(ConfigMap m) {
        String text = m == null || m.getData() == null ? "" : m.getData().getOrDefault(KEY, "");
        String source = "ConfigMap " + NAMESPACE + "/" + NAME + ": data." + KEY;
        MeshConfigFile.Settings settings;
        try {
            settings = text.isBlank() ? MeshConfigFile.Settings.DEFAULTS : MeshConfigFile.read(source, text);
        } catch (IllegalArgumentException e) {
            problem = Optional.of(e.getMessage());
            LOG.warn("mesh config rejected, the last good one stays in force: {}", e.getMessage());
            return;
        }
        problem = Optional.empty();
        apply.accept(settings);
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
    }
}
