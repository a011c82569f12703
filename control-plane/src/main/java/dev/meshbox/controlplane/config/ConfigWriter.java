package dev.meshbox.controlplane.config;

import java.util.List;

/**
 * Where applied Istio config is kept: the {@link ConfigStore} itself, or (on Kubernetes) Istio's custom resources,
 * which the store then mirrors. Either way the result says what changed, or what is wrong with nothing changed.
 */
public interface ConfigWriter {

    ApplyResult apply(List<ConfigStore.Source> sources);

    ApplyResult delete(List<ResourceKey> keys);
}
