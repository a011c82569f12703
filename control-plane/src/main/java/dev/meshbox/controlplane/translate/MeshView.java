package dev.meshbox.controlplane.translate;

import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.config.DestinationRule;
import dev.meshbox.controlplane.config.Gateway;
import dev.meshbox.controlplane.config.IstioResource;
import dev.meshbox.controlplane.config.OutboundTrafficPolicy;
import dev.meshbox.controlplane.config.ResourceKey;
import dev.meshbox.controlplane.config.VirtualService;
import dev.meshbox.controlplane.gatewayapi.Conversion;
import dev.meshbox.controlplane.gatewayapi.GatewayApiConverter;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.ServiceRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The translator's whole input: applied config plus the registry, with the lookups translation needs. The Gateway API
 * resources in the config are seen as what Istio turns them into: {@code config} holds, besides what was applied, the
 * internal Gateways and VirtualServices {@link GatewayApiConverter} makes of them. Delegation is resolved once here
 * ({@link DelegateMerger}): every lookup of VirtualServices sees roots merged with their delegates and never a
 * delegate itself.
 */
public record MeshView(
        ConfigStore.Snapshot config,
        ServiceRegistry.Snapshot registry,
        DelegateMerger.Merged virtualServices,
        Map<String, String> jwks,
        MeshSecurity security) {

    /**
     * Mesh-wide security settings: Istio's MeshConfig {@code enableAutoMtls} and the {@code extensionProviders} CUSTOM
     * AuthorizationPolicies name (with the other mesh config settings translation reads: {@code
     * outboundTrafficPolicy}, tracing, {@code localityLbSetting}).
     */
    public record MeshSecurity(
            boolean autoMtls,
            List<dev.meshbox.controlplane.security.ExtAuthzProvider> extensionProviders,
            OutboundTrafficPolicy outboundTrafficPolicy,
            dev.meshbox.controlplane.security.MeshTracing tracing,
            DestinationRule.LocalityLbSetting localityLbSetting) {
        public static final MeshSecurity PLAINTEXT = new MeshSecurity(false);
        public static final MeshSecurity AUTO_MTLS = new MeshSecurity(true);

        public MeshSecurity {
            extensionProviders = List.copyOf(extensionProviders);
            outboundTrafficPolicy =
                    outboundTrafficPolicy == null ? OutboundTrafficPolicy.ALLOW_ANY : outboundTrafficPolicy;
            tracing = tracing == null ? dev.meshbox.controlplane.security.MeshTracing.DEFAULTS : tracing;
            localityLbSetting = localityLbSetting == null
                    ? dev.meshbox.controlplane.config.MeshLocalityLb.DEFAULT
                    : localityLbSetting;
        }

        public MeshSecurity(
                boolean autoMtls,
                List<dev.meshbox.controlplane.security.ExtAuthzProvider> extensionProviders,
                OutboundTrafficPolicy outboundTrafficPolicy,
                dev.meshbox.controlplane.security.MeshTracing tracing) {
            this(autoMtls, extensionProviders, outboundTrafficPolicy, tracing, null);
        }

        /** These settings with the mesh config's {@code localityLbSetting}, the default of DestinationRules. */
        public MeshSecurity withLocalityLbSetting(DestinationRule.LocalityLbSetting value) {
            return new MeshSecurity(autoMtls, extensionProviders, outboundTrafficPolicy, tracing, value);
        }

        public MeshSecurity(
                boolean autoMtls,
                List<dev.meshbox.controlplane.security.ExtAuthzProvider> extensionProviders,
                OutboundTrafficPolicy outboundTrafficPolicy) {
            this(autoMtls, extensionProviders, outboundTrafficPolicy, null);
        }

        /** These settings with the mesh config's tracing settings. */
        public MeshSecurity withTracing(dev.meshbox.controlplane.security.MeshTracing value) {
            return new MeshSecurity(autoMtls, extensionProviders, outboundTrafficPolicy, value, localityLbSetting);
        }

        public MeshSecurity(
                boolean autoMtls, List<dev.meshbox.controlplane.security.ExtAuthzProvider> extensionProviders) {
            this(autoMtls, extensionProviders, OutboundTrafficPolicy.ALLOW_ANY);
        }

        public MeshSecurity(boolean autoMtls) {
            this(autoMtls, List.of());
        }

        /** These settings with the mesh config's {@code outboundTrafficPolicy.mode}. */
        public MeshSecurity withOutboundTrafficPolicy(OutboundTrafficPolicy value) {
            return new MeshSecurity(autoMtls, extensionProviders, value, tracing, localityLbSetting);
        }
    }

    public MeshView(ConfigStore.Snapshot config, ServiceRegistry.Snapshot registry) {
        this(config, registry, null, Map.of(), MeshSecurity.PLAINTEXT);
    }

    public MeshView(ConfigStore.Snapshot config, ServiceRegistry.Snapshot registry, MeshSecurity security) {
        this(config, registry, null, Map.of(), security);
    }

    public MeshView(
            ConfigStore.Snapshot config,
            ServiceRegistry.Snapshot registry,
            DelegateMerger.Merged virtualServices,
            Map<String, String> jwks) {
        this(config, registry, virtualServices, jwks, MeshSecurity.PLAINTEXT);
    }

    /**
     * @param virtualServices the merged VirtualServices, or null to merge those of {@code config} here
     * @param jwks the JWKS documents the control plane fetched for RequestAuthentication {@code jwksUri}s, by URI (the
     *     ones it could not fetch are absent)
     */
    public MeshView {
        jwks = Map.copyOf(jwks);
        security = security == null ? MeshSecurity.PLAINTEXT : security;
        Conversion converted = GatewayApiConverter.convert(config, registry);
        if (!converted.virtualServices().isEmpty() || !converted.gateways().isEmpty()) {
            Map<ResourceKey, IstioResource> all = new TreeMap<>(config.resources());
            Map<ResourceKey, Long> created = new TreeMap<>(config.created());
            converted.gateways().forEach(g -> all.put(g.meta().key(), g));
            converted.virtualServices().forEach(vs -> all.put(vs.meta().key(), vs));
            for (Map.Entry<ResourceKey, ResourceKey> e : converted.origins().entrySet()) {
                created.put(e.getKey(), config.created(e.getValue()));
            }
            config = new ConfigStore.Snapshot(config.generation(), Map.copyOf(all), Map.copyOf(created));
        }
        if (virtualServices == null) {
            virtualServices = DelegateMerger.merge(config.all(VirtualService.class));
        }
        registry = ServiceEntries.withHosts(config, registry);
    }

    /**
     * The DestinationRule for a service (the oldest-named one wins when several exist, deterministically); without
     * one naming it, the most specific wildcard rule ({@code *.global}) covering its host, as Istio falls back.
     */
    public Optional<DestinationRule> destinationRule(MeshService service) {
        List<DestinationRule> rules = config.all(DestinationRule.class);
        Optional<DestinationRule> exact = rules.stream()
                .filter(dr -> registry.resolve(dr.host(), dr.meta().namespace())
                        .filter(service::equals)
                        .isPresent())
                .min(Comparator.comparing(dr -> dr.meta().key()));
        return exact.isPresent() ? exact : WildcardDestinationRules.mostSpecific(rules, service.fqdn());
    }

    /** VirtualServices bound to the mesh (sidecars) whose hosts include the service. */
    public List<VirtualService> meshVirtualServices(MeshService service) {
        List<VirtualService> out = new ArrayList<>();
        for (VirtualService vs : virtualServices.virtualServices()) {
            if (!vs.effectiveGateways().contains(VirtualService.MESH)) {
                continue;
            }
            for (String host : vs.hosts()) {
                if (registry.resolve(host, vs.meta().namespace())
                        .filter(service::equals)
                        .isPresent()) {
                    out.add(vs);
                    break;
                }
            }
        }
        out.sort(byCreation());
        return out;
    }

    /**
     * Istio's order where VirtualServices compete for a host: oldest first (creation time), then by name. A converted
     * HTTPRoute counts as created when the route was, so an HTTPRoute and a VirtualService for one host on the sidecars
     * behave as two VirtualServices do: the older one routes, the other is ignored (IST0109).
     */
    private Comparator<VirtualService> byCreation() {
        return Comparator.comparingLong(
                        (VirtualService vs) -> config.created(vs.meta().key()))
                .thenComparing(vs -> vs.meta().key());
    }

    public List<Gateway> gateways() {
        return config.all(Gateway.class);
    }

    /** The Secret {@code namespace/name} applied as config (a Gateway's {@code credentialName}), if any. */
    public java.util.Optional<dev.meshbox.controlplane.config.KubeSecret> secret(String namespace, String name) {
        return config.all(dev.meshbox.controlplane.config.KubeSecret.class).stream()
                .filter(s -> s.meta().namespace().equals(namespace)
                        && s.meta().name().equals(name))
                .findFirst();
    }

    /** VirtualServices bound to a Gateway ({@code name} or {@code namespace/name} in {@code spec.gateways}). */
    public List<VirtualService> gatewayVirtualServices(Gateway gateway) {
        List<VirtualService> out = new ArrayList<>();
        for (VirtualService vs : virtualServices.virtualServices()) {
            for (String ref : vs.gateways()) {
                if (refersTo(ref, vs.meta().namespace(), gateway)) {
                    out.add(vs);
                    break;
                }
            }
        }
        out.sort(byCreation());
        return out;
    }

    static boolean refersTo(String ref, String namespace, Gateway gateway) {
        String ns = namespace;
        String name = ref;
        int slash = ref.indexOf('/');
        if (slash >= 0) {
            ns = ref.substring(0, slash);
            name = ref.substring(slash + 1);
        } else if (ref.contains(".")) {
            String[] parts = ref.split("\\.");
            name = parts[0];
            ns = parts[1];
        }
        return gateway.meta().name().equals(name) && gateway.meta().namespace().equals(ns);
    }
}
