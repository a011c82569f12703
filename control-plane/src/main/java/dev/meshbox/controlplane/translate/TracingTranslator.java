package dev.meshbox.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UInt32Value;
import dev.meshbox.controlplane.config.Telemetry;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.controlplane.security.MeshTracing;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Decorator;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.type.tracing.v3.CustomTag;
import io.envoyproxy.envoy.type.v3.Percent;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Istio's tracing on every HTTP connection manager of a proxy ({@code pilot/pkg/networking/core/tracing.go}):
 * {@code tracing {provider envoy.tracers.zipkin, client_sampling 100, random_sampling <pct>, overall_sampling 100,
 * custom_tags istio.*}}, the provider's collector being its service's outbound cluster. The percentage and provider
 * come from the Telemetry API (workload, then namespace, then root namespace), else the proxy's own ProxyConfig
 * (the pod's {@code proxy.istio.io/config} annotation, node metadata {@code PROXY_CONFIG}), else the mesh config
 * ({@code defaultConfig.tracing.sampling}, Istio's 1 %). Also each inbound route's {@code decorator.operation}
 * ({@code <fqdn>:<port>/*}), which depends on the pod's services. Applied after the group translation, per proxy,
 * memoised on the group's resources and the proxy's {@link Settings}, so pods that trace alike still share one
 * resources object.
 */
final class TracingTranslator {

    static final String ZIPKIN = "envoy.tracers.zipkin";
    static final String COLLECTOR_ENDPOINT = "/api/v2/spans";

    /**
     * What a proxy's tracing depends on.
     *
     * @param tracing the HCM tracing block, or null where the mesh config disables tracing
     * @param inboundOperations the inbound route operation by target port
     */
    record Settings(HttpConnectionManager.Tracing tracing, Map<Integer, String> inboundOperations) {}

    private final MeshView view;
    private final Map<XdsResources, Map<Settings, XdsResources>> memo = new IdentityHashMap<>();
    /** Listener lists are shared between groups too (see {@link Translator#translateAll}); they stay shared. */
    private final Map<List<Listener>, Map<Settings, List<Listener>>> listenerMemo = new IdentityHashMap<>();

    TracingTranslator(MeshView view) {
        this.view = view;
    }

    XdsResources apply(Pod proxy, XdsResources resources) {
        Settings settings = settings(view, proxy);
        return memo.computeIfAbsent(resources, r -> new java.util.HashMap<>())
                .computeIfAbsent(settings, s -> rewrite(resources, s));
    }

    static Settings settings(MeshView view, Pod proxy) {
        Map<Integer, String> inbound = new TreeMap<>();
        if (proxy.role() == Pod.ProxyKind.SIDECAR) {
            for (MeshService s : view.registry().servicesOf(proxy)) {
                for (ServicePort p : s.ports()) {
                    inbound.putIfAbsent(p.targetPort(), RouteDecorators.inbound(s.fqdn(), p.port()));
                }
            }
        }
        return new Settings(tracing(view, proxy).orElse(null), Map.copyOf(inbound));
    }

    /** The HCM tracing block of {@code proxy}; empty where the mesh config says {@code enableTracing: false}. */
    static Optional<HttpConnectionManager.Tracing> tracing(MeshView view, Pod proxy) {
        MeshTracing mesh = view.security().tracing();
        if (!mesh.enableTracing()) {
            return Optional.empty();
        }
        Effective e = effective(view.config().all(Telemetry.class), proxy);
        double sampling = e.sampling.orElse(mesh.sampling(proxy.nodeId()));
        HttpConnectionManager.Tracing.Builder t = HttpConnectionManager.Tracing.newBuilder()
                .setClientSampling(Percent.newBuilder().setValue(100))
                .setRandomSampling(Percent.newBuilder().setValue(sampling))
                .setOverallSampling(Percent.newBuilder().setValue(100));
        String providerName = e.providers.isEmpty()
                ? mesh.defaultProviders().isEmpty()
                        ? MeshTracing.DEFAULT_PROVIDER
                        : mesh.defaultProviders().get(0)
                : e.providers.get(0);
        MeshTracing.ZipkinProvider provider = mesh.provider(providerName);
        t.setMaxPathTagLength(UInt32Value.of(provider.maxTagLength()));
        if (!e.disabled.orElse(false)) {
            ZipkinConfig zipkin = ZipkinConfig.newBuilder()
                    .setCollectorCluster(Names.outboundCluster(provider.port(), "", fqdn(provider.service())))
                    .setCollectorEndpoint(COLLECTOR_ENDPOINT)
                    .setCollectorEndpointVersion(ZipkinConfig.CollectorEndpointVersion.HTTP_JSON)
                    .setTraceId128Bit(true)
                    .setSharedSpanContext(BoolValue.of(false))
                    .build();
            t.setProvider(io.envoyproxy.envoy.config.trace.v3.Tracing.Http.newBuilder()
                    .setName(ZIPKIN)
                    .setTypedConfig(Any.pack(zipkin)));
        }
        serviceTags(proxy).forEach((k, v) -> t.addCustomTags(literal(k, v)));
        e.customTags.forEach((name, tag) -> t.addCustomTags(customTag(name, tag)));
        return Optional.of(t.build());
    }

    /**
     * Istio's {@code buildServiceTags}: the workload's canonical service and revision, namespace, mesh and cluster
     * (as an Istio install's injector sets them: {@code cluster.local}; the cluster is the pod's
     * {@code topology.istio.io/cluster}, else Istio's default {@code Kubernetes}).
     */
    static Map<String, String> serviceTags(Pod proxy) {
        Map<String, String> labels = proxy.labels();
        String service = labels.getOrDefault(
                "service.istio.io/canonical-name",
                labels.getOrDefault("app.kubernetes.io/name", labels.getOrDefault("app", proxy.app())));
        String revision = labels.getOrDefault(
                "service.istio.io/canonical-revision",
                labels.getOrDefault("app.kubernetes.io/version", labels.getOrDefault("version", "latest")));
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("istio.canonical_revision", revision);
        tags.put("istio.canonical_service", service);
        tags.put("istio.mesh_id", "cluster.local");
        tags.put("istio.namespace", proxy.namespace());
        tags.put(
                "istio.cluster_id",
                dev.meshbox.controlplane.registry.Topology.clusterOf(
                        proxy, dev.meshbox.controlplane.registry.Topology.DEFAULT_CLUSTER_ID));
        return tags;
    }

    /** A provider's {@code service}: a short {@code name.namespace} gets the cluster domain, as Istio resolves it. */
    static String fqdn(String service) {
        return service.chars().filter(c -> c == '.').count() == 1 ? service + ".svc.cluster.local" : service;
    }

    private static CustomTag literal(String name, String value) {
        return CustomTag.newBuilder()
                .setTag(name)
                .setLiteral(CustomTag.Literal.newBuilder().setValue(value))
                .build();
    }

    private static CustomTag customTag(String name, Telemetry.CustomTag tag) {
        CustomTag.Builder b = CustomTag.newBuilder().setTag(name);
        switch (tag.kind()) {
            case LITERAL -> b.setLiteral(CustomTag.Literal.newBuilder().setValue(tag.value()));
            case ENVIRONMENT ->
                b.setEnvironment(
                        CustomTag.Environment.newBuilder().setName(tag.name()).setDefaultValue(tag.value()));
            case HEADER ->
                b.setRequestHeader(
                        CustomTag.Header.newBuilder().setName(tag.name()).setDefaultValue(tag.value()));
        }
        return b.build();
    }

    /** The Telemetry tracing fields in force for a workload, the narrowest scope winning field by field. */
    static final class Effective {
        List<String> providers = List.of();
        Optional<Double> sampling = Optional.empty();
        Optional<Boolean> disabled = Optional.empty();
        Map<String, Telemetry.CustomTag> customTags = new TreeMap<>();
    }

    static Effective effective(List<Telemetry> all, Pod proxy) {
        Effective e = new Effective();
        // Root namespace first, then the namespace, then a workload selector: later ones override.
        List<Telemetry> ordered = new ArrayList<>();
        all.stream()
                .filter(t -> t.selector().isEmpty() && t.meta().namespace().equals(Telemetry.ROOT_NAMESPACE))
                .filter(t -> t.selects(proxy.namespace(), proxy.labels()))
                .forEach(ordered::add);
        all.stream()
                .filter(t -> t.selector().isEmpty() && !t.meta().namespace().equals(Telemetry.ROOT_NAMESPACE))
                .filter(t -> t.selects(proxy.namespace(), proxy.labels()))
                .forEach(ordered::add);
        all.stream()
                .filter(t -> !t.selector().isEmpty())
                .filter(t -> t.selects(proxy.namespace(), proxy.labels()))
                .forEach(ordered::add);
        for (Telemetry t : ordered) {
            if (t.tracing().isEmpty()) {
                continue;
            }
            Telemetry.Tracing tr = t.tracing().get(0);
            if (!tr.providers().isEmpty()) {
                e.providers = tr.providers();
            }
            if (tr.randomSamplingPercentage().isPresent()) {
                e.sampling = tr.randomSamplingPercentage();
            }
            if (tr.disableSpanReporting().isPresent()) {
                e.disabled = tr.disableSpanReporting();
            }
            e.customTags.putAll(tr.customTags());
        }
        return e;
    }

    private XdsResources rewrite(XdsResources r, Settings s) {
        if (s.tracing() == null && s.inboundOperations().isEmpty()) {
            return r;
        }
        List<Listener> listeners = listenerMemo
                .computeIfAbsent(r.listeners(), l -> new java.util.HashMap<>())
                .computeIfAbsent(s, k -> {
                    List<Listener> out = new ArrayList<>(r.listeners().size());
                    for (Listener l : r.listeners()) {
                        out.add(rewrite(l, s));
                    }
                    return List.copyOf(out);
                });
        return new XdsResources(listeners, r.routes(), r.clusters(), r.endpoints(), r.warnings());
    }

    private static Listener rewrite(Listener l, Settings s) {
        boolean inbound = l.getName().equals(Names.VIRTUAL_INBOUND);
        Listener.Builder b = l.toBuilder();
        boolean changed = false;
        for (FilterChain.Builder chain : b.getFilterChainsBuilderList()) {
            int port = chain.getFilterChainMatch().getDestinationPort().getValue();
            for (Filter.Builder f : chain.getFiltersBuilderList()) {
                if (!f.getName().equals(Names.HCM) || !f.hasTypedConfig()) {
                    continue;
                }
                HttpConnectionManager hcm;
                try {
                    hcm = f.getTypedConfig().unpack(HttpConnectionManager.class);
                } catch (InvalidProtocolBufferException e) {
                    continue;
                }
                HttpConnectionManager.Builder h = hcm.toBuilder();
                if (s.tracing() != null) {
                    h.setTracing(s.tracing());
                }
                String op = s.inboundOperations().get(port);
                if (inbound && op != null && h.hasRouteConfig()) {
                    h.setRouteConfig(decorateAll(h.getRouteConfig(), op));
                }
                f.setTypedConfig(Any.pack(h.build()));
                changed = true;
            }
        }
        return changed ? b.build() : l;
    }

    private static RouteConfiguration decorateAll(RouteConfiguration rc, String operation) {
        RouteConfiguration.Builder b = rc.toBuilder();
        for (VirtualHost.Builder vh : b.getVirtualHostsBuilderList()) {
            for (Route.Builder route : vh.getRoutesBuilderList()) {
                route.setDecorator(Decorator.newBuilder().setOperation(operation));
            }
        }
        return b.build();
    }
}
