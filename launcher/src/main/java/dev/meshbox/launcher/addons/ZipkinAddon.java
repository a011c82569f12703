package dev.meshbox.launcher.addons;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.backend.PodSpec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Istio's Zipkin addon ({@code samples/addons/extras/zipkin.yaml}) in a mesh: Service {@code zipkin} in istio-system,
 * port 9411 named {@code http-query}, selecting {@code app: zipkin}, and one pod without a sidecar (istio-system is not
 * injected) whose app is Zipkin's own server. The proxies' collector cluster
 * {@code outbound|9411||zipkin.istio-system.svc.cluster.local} resolves to that pod, as on Istio.
 */
public final class ZipkinAddon {
    public static final String NAMESPACE = "istio-system";
    public static final String SERVICE = "zipkin";
    /** The sampling of Istio's demo profile ({@code traceSampling: 100}), which {@code up --tracing} sets. */
    public static final double DEMO_SAMPLING = 100.0;
    /**
     * The image a cluster runs Zipkin from, as Istio's {@code zipkin.yaml} names it (Zipkin's slim server, in-memory
     * storage): the cluster pulls it, or its registry mirror serves it.
     */
    public static final String CLUSTER_IMAGE = "openzipkin/zipkin-slim:" + ZipkinJar.VERSION;

    private final Path jar;
    private final boolean alsoOnLocalhost;
    private final AtomicReference<ZipkinServer> started = new AtomicReference<>();
    /** Where the host reaches Zipkin's container (Docker backend), once it runs. */
    private final AtomicReference<InetSocketAddress> published = new AtomicReference<>();

    /**
     * @param alsoOnLocalhost also listen on 127.0.0.1:9411, as {@code up} prints it; tests leave it out, so meshes side
     *                        by side each have their own Zipkin on their own pod address (on Docker: its container's
     *                        9411 published on a free port of 127.0.0.1 instead of 9411)
     */
    public ZipkinAddon(Path jar, boolean alsoOnLocalhost) {
        this.jar = jar;
        this.alsoOnLocalhost = alsoOnLocalhost;
    }

    /** {@code spec} with Zipkin's Service and pod, the pod first so its slow start overlaps everything else. */
    public MeshSpec addTo(MeshSpec spec) {
        List<MeshService> services = new ArrayList<>(spec.services());
        services.add(service());
        List<PodSpec> pods = new ArrayList<>();
        pods.add(pod());
        pods.addAll(spec.pods());
        return new MeshSpec(services, pods, spec.defaultConfigNames());
    }

    /**
     * {@code spec} with Zipkin as a cluster runs it (Kubernetes): Istio's {@code zipkin.yaml} Deployment in istio-system
     * without a sidecar, its container the image {@code image} (Zipkin's exec jar on MeshBox's base image), and the
     * Service; the backend writes both as it writes any workload.
     */
    public static MeshSpec addToCluster(MeshSpec spec, String image) {
        List<MeshService> services = new ArrayList<>(spec.services());
        services.add(service());
        List<PodSpec> pods = new ArrayList<>();
        pods.add(clusterPod(image));
        pods.addAll(spec.pods());
        return new MeshSpec(services, pods, spec.defaultConfigNames());
    }

    /**
     * {@code spec} as a cluster runs it: Zipkin's pod, where {@link #addTo} put it (a jar from this machine, which the
     * local and Docker backends run), becomes the Deployment's pod of {@link #addToCluster} with {@code image}; a spec
     * without Zipkin is returned as it is.
     */
    public static MeshSpec forCluster(MeshSpec spec, String image) {
        String name = MeshSpec.podName(SERVICE, NAMESPACE, 0);
        boolean found = false;
        List<PodSpec> pods = new ArrayList<>();
        for (PodSpec p : spec.pods()) {
            if (p.name().equals(name) && p.namespace().equals(NAMESPACE) && p.container() instanceof PodSpec.HostJar) {
                pods.add(clusterPod(image));
                found = true;
            } else {
                pods.add(p);
            }
        }
        return found ? new MeshSpec(spec.services(), pods, spec.defaultConfigNames()) : spec;
    }

    private static PodSpec clusterPod(String image) {
        return new PodSpec(
                MeshSpec.podName(SERVICE, NAMESPACE, 0),
                NAMESPACE,
                Map.of("app", SERVICE),
                ZipkinServer.PORT,
                null,
                new PodSpec.ImageApp(image, Map.of("STORAGE_METHOD", "mem", "QUERY_PORT", "9411")),
                "default",
                false);
    }

    static MeshService service() {
        return new MeshService(
                SERVICE,
                NAMESPACE,
                List.of(ServicePort.of("http-query", ZipkinServer.PORT, ZipkinServer.PORT, null)),
                Map.of("app", SERVICE));
    }

    private PodSpec pod() {
        return new PodSpec(
                MeshSpec.podName(SERVICE, NAMESPACE, 0),
                NAMESPACE,
                Map.of("app", SERVICE),
                ZipkinServer.PORT,
                ctx -> {
                    List<InetSocketAddress> binds = new ArrayList<>();
                    if (alsoOnLocalhost) {
                        binds.add(new InetSocketAddress(InetAddress.getLoopbackAddress(), ZipkinServer.PORT));
                    }
                    binds.add(ctx.listen());
                    ZipkinServer server = new ZipkinServer(jar, binds);
                    started.set(server);
                    return server;
                },
                new PodSpec.HostJar(
                        jar,
                        List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"),
                        List.of("--zipkin.storage.type=mem"),
                        alsoOnLocalhost ? ZipkinServer.PORT : 0,
                        published::set),
                "default",
                false);
    }

    /** The started Zipkin's UI address ({@code http://127.0.0.1:9411/zipkin/} for {@code up}), once the mesh runs. */
    public Optional<String> url() {
        return address().map(a -> "http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + "/zipkin/");
    }

    /**
     * Where this machine reaches the started Zipkin's API, e.g. {@code 127.12.0.1:9411} (local backend) or
     * {@code 127.0.0.1:9411} (its container's port published, Docker backend), once the mesh runs.
     */
    public Optional<InetSocketAddress> address() {
        ZipkinServer server = started.get();
        return server != null ? Optional.of(server.address()) : Optional.ofNullable(published.get());
    }

    /**
     * Istio's mesh config text with {@code defaultConfig.tracing.sampling} at 100 (the demo profile) unless it sets a
     * sampling itself; other keys are kept as they are.
     *
     * @param source names the text in errors (a file name)
     */
    public static String demoSampling(String source, Optional<String> meshConfig) {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));
        JsonNode root;
        try {
            root = meshConfig.isEmpty() || meshConfig.get().isBlank()
                    ? yaml.createObjectNode()
                    : yaml.readTree(meshConfig.get());
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": not YAML: " + e.getMessage(), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            root = yaml.createObjectNode();
        }
        if (!(root instanceof ObjectNode mesh)) {
            throw new IllegalArgumentException(source + ": the mesh config must be a YAML object");
        }
        ObjectNode tracing = object(
                source, object(source, mesh, "defaultConfig", "defaultConfig"), "tracing", "defaultConfig.tracing");
        if (!tracing.has("sampling")) {
            tracing.put("sampling", DEMO_SAMPLING);
        }
        try {
            return yaml.writeValueAsString(mesh);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode object(String source, ObjectNode parent, String field, String path) {
        JsonNode child = parent.get(field);
        if (child == null || child.isNull()) {
            return parent.putObject(field);
        }
        if (!(child instanceof ObjectNode o)) {
            throw new IllegalArgumentException(source + ": " + path + ": must be an object");
        }
        return o;
    }
}
