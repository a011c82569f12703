package dev.meshbox.controlplane.registry.docker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.PlatformRegistry;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.controlplane.registry.ServiceRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the service registry from a Docker engine, as Istio's registries feed istiod from Kubernetes or Consul. A
 * pod is the container that owns a network namespace on the mesh network and carries {@code dev.meshbox.role}
 * {@code sidecar} or {@code gateway}; its labels ({@code app}, {@code version}, ...) are the pod's labels; each of its
 * network aliases is a service it backs, on the ports {@code dev.meshbox.ports} lists. The other containers of the
 * pod (its app) join that namespace and name the pod with {@code dev.meshbox.pod}. A pod without a sidecar (role
 * {@code no-sidecar}, Istio's uninjected pod) is its app's container alone, on the mesh network: a pod without a
 * proxy whose app listens on the container IP. A pod is ready once every one of its containers runs and its proxy
 * answers {@code /healthz/ready} on 15021, or, without a proxy, its app accepts connections on
 * {@code dev.meshbox.app-port} (a pod with no app: once it runs); a container that stops takes its pod out of the
 * endpoints at the next poll.
 */
public final class DockerRegistry implements PlatformRegistry {

    /** The labels the registry reads. */
    public static final String MESH = "dev.meshbox.mesh";

    public static final String ROLE = "dev.meshbox.role";
    public static final String POD = "dev.meshbox.pod";
    public static final String NAMESPACE = "dev.meshbox.namespace";
    /** The pod's service account, its identity in the mesh's certificates; {@code default} when absent. */
    public static final String SERVICE_ACCOUNT = "dev.meshbox.service-account";
    /**
     * Service ports of the pod's aliases: {@code 9080}, or {@code 8000:8080} (service port to container port), each
     * optionally with its name after a slash ({@code 9000/tcp}, {@code 443:8443/https}: the protocol as Istio selects
     * it from a Service port's name; without one, HTTP), comma-separated.
     */
    public static final String PORTS = "dev.meshbox.ports";

    /** The port a pod without a sidecar serves on, which its readiness checks; absent for a pod with no app. */
    public static final String APP_PORT = "dev.meshbox.app-port";

    /** The roles of a container that owns a pod's network namespace. */
    public static final String SIDECAR = "sidecar";

    public static final String GATEWAY = "gateway";
    public static final String NO_SIDECAR = "no-sidecar";

    private static final Logger LOG = LoggerFactory.getLogger(DockerRegistry.class);
    private static final Duration POLL = Duration.ofMillis(250);

    /** One container as the registry needs it: its IP and aliases on the mesh network (null and empty if not attached). */
    public record ContainerView(
            String id, String name, boolean running, Map<String, String> labels, String ip, Set<String> aliases) {}

    /** The registry's view of the engine: pods by {@code namespace/name}, services by {@code namespace/name}. */
    public record View(Map<String, Pod> pods, Map<String, MeshService> services, List<String> problems) {}

    private final DockerApi api;
    private final String meshId;
    private final String network;
    /** For another cluster's engine view: the watching cluster's network, where that cluster reaches gateways. */
    private final String reachableFrom;

    private final ServiceRegistry registry;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofMillis(300)).build();
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "meshbox-docker-registry");
        t.setDaemon(true);
        return t;
    });
    /** Inspect answers by container id: aliases never change while a container lives. */
    private final Map<String, ContainerView> inspected = new HashMap<>();
    /** Pods whose proxy has answered ready once, by name (cleared when the pod's containers stop). */
    private final Set<String> probedReady = new HashSet<>();

    private final Set<String> reportedProblems = new HashSet<>();
    private View published = new View(Map.of(), Map.of(), List.of());

    public DockerRegistry(DockerApi api, String meshId, String network, ServiceRegistry registry) {
        this(api, meshId, network, registry, null);
    }

    /**
     * Another cluster's pods and services, as a remote secret lets istiod watch them: its mesh on its own Docker
     * network, except that a gateway pod's address is its IP on {@code reachableFrom} (the watching cluster's network,
     * which the other cluster's east-west gateway is attached to), since only gateways are reachable across networks; a
     * gateway not attached there yet is left out until it is. The other pods cannot be probed from this network: they
     * are ready once their containers run (the other cluster's own registry probes them).
     */
    public DockerRegistry(
            DockerApi api, String meshId, String network, ServiceRegistry registry, String reachableFrom) {
        this.api = api;
        this.meshId = meshId;
        this.network = network;
        this.registry = registry;
        this.reachableFrom = reachableFrom;
    }

    /** Reads the engine once (so a broken engine fails the start), then keeps polling it. */
    @Override
    public DockerRegistry start() throws IOException {
        poll();
        poller.scheduleWithFixedDelay(
                () -> {
                    try {
                        poll();
                    } catch (IOException | RuntimeException e) {
                        LOG.warn(
                                "reading the Docker engine ({}) failed, keeping the last registry: {}",
                                api,
                                e.getMessage());
                    }
                },
                POLL.toMillis(),
                POLL.toMillis(),
                TimeUnit.MILLISECONDS);
        return this;
    }

    synchronized void poll() throws IOException {
        String filter = URLEncoder.encode("{\"label\":[\"" + MESH + "=" + meshId + "\"]}", StandardCharsets.UTF_8);
        JsonNode list = api.get("/containers/json?all=1&filters=" + filter);
        List<ContainerView> containers = new ArrayList<>();
        Set<String> alive = new HashSet<>();
        for (JsonNode c : list) {
            String id = c.path("Id").asText();
            alive.add(id);
            boolean running = "running".equals(c.path("State").asText());
            ContainerView known = inspected.get(id);
            if (known == null) {
                known = inspect(id);
                if (known.ip() != null) {
                    inspected.put(id, known); // an attached container's address and aliases are fixed from here on
                }
            }
            containers.add(new ContainerView(id, known.name(), running, known.labels(), known.ip(), known.aliases()));
        }
        inspected.keySet().retainAll(alive);
        View view = map(containers, network);
        for (String p : view.problems()) {
            if (reportedProblems.add(p)) {
                LOG.warn("{}", p);
            }
        }
        publish(withReadiness(view, containers));
    }

    private ContainerView inspect(String id) throws IOException {
        JsonNode c = api.get("/containers/" + id + "/json");
        Map<String, String> labels = new TreeMap<>();
        c.path("Config")
                .path("Labels")
                .fields()
                .forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        JsonNode net = c.path("NetworkSettings").path("Networks").path(network);
        String ip = net.path("IPAddress").asText("");
        if (reachableFrom != null && GATEWAY.equals(labels.get(ROLE))) {
            ip = c.path("NetworkSettings")
                    .path("Networks")
                    .path(reachableFrom)
                    .path("IPAddress")
                    .asText("");
        }
        Set<String> aliases = new TreeSet<>();
        net.path("Aliases").forEach(a -> aliases.add(a.asText()));
        net.path("DNSNames").forEach(a -> aliases.add(a.asText()));
        String name = c.path("Name").asText().replaceFirst("^/", "");
        return new ContainerView(
                id, name, c.path("State").path("Running").asBoolean(), labels, ip.isEmpty() ? null : ip, aliases);
    }

    /**
     * The pure part: containers to pods and services. Pods come out not ready; {@link #withReadiness} decides that.
     * Aliases that only name the container itself (its id, its name, its pod) are not services.
     */
    public static View map(List<ContainerView> containers, String network) {
        Map<String, Pod> pods = new TreeMap<>();
        Map<String, Set<String>> members = new TreeMap<>();
        Map<String, List<ServicePort>> ports = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (ContainerView c : containers) {
            String role = c.labels().getOrDefault(ROLE, "");
            if (!role.equals(SIDECAR) && !role.equals(GATEWAY) && !role.equals(NO_SIDECAR)) {
                continue;
            }
            String podName = c.labels().getOrDefault(POD, c.name());
            if (c.ip() == null) {
                problems.add("container " + c.name() + " (pod " + podName + ") is not attached to the mesh network "
                        + network + "; it is left out of the registry");
                continue;
            }
            String namespace = c.labels().getOrDefault(NAMESPACE, role.equals(GATEWAY) ? "istio-system" : "default");
            Pod.ProxyKind kind = switch (role) {
                case GATEWAY -> Pod.ProxyKind.GATEWAY;
                case NO_SIDECAR -> Pod.ProxyKind.NONE;
                default -> Pod.ProxyKind.SIDECAR;
            };
            Pod pod = new Pod(
                    podName,
                    namespace,
                    c.ip(),
                    // Without a sidecar the app owns the pod IP; with one, it listens on the pod's localhost.
                    kind == Pod.ProxyKind.NONE ? c.ip() : "127.0.0.1",
                    podLabels(c.labels()),
                    kind,
                    false,
                    c.labels().get(SERVICE_ACCOUNT));
            pods.put(namespace + "/" + podName, pod);
            List<ServicePort> podPorts;
            try {
                podPorts = ports(c.labels().getOrDefault(PORTS, ""));
            } catch (IllegalArgumentException e) {
                problems.add("container " + c.name() + ": label " + PORTS + "="
                        + c.labels().get(PORTS) + ": " + e.getMessage());
                continue;
            }
            for (String alias : c.aliases()) {
                if (alias.equals(podName)
                        || alias.equals(c.name())
                        || c.id().startsWith(alias)
                        || alias.contains(".")) {
                    continue;
                }
                if (podPorts.isEmpty()) {
                    problems.add("container " + c.name() + " has the network alias " + alias + " but no label " + PORTS
                            + " (e.g. " + PORTS + "=9080): the service has no port and is left out");
                    continue;
                }
                String key = namespace + "/" + alias;
                members.computeIfAbsent(key, k -> new TreeSet<>()).add(podName);
                List<ServicePort> known = ports.putIfAbsent(key, podPorts);
                if (known != null && !known.equals(podPorts)) {
                    problems.add("service " + alias + ": pods disagree on its ports (" + known + " and, on " + podName
                            + ", " + podPorts + "); using the first");
                }
            }
        }
        Map<String, MeshService> services = new TreeMap<>();
        members.forEach((key, names) -> {
            String[] nsName = key.split("/", 2);
            services.put(key, new MeshService(nsName[1], nsName[0], ports.get(key), Map.of(), names));
        });
        return new View(pods, services, problems);
    }

    /** The pod's labels: every container label except MeshBox's own and image metadata. */
    static Map<String, String> podLabels(Map<String, String> labels) {
        Map<String, String> out = new LinkedHashMap<>();
        labels.forEach((k, v) -> {
            if (!k.startsWith("dev.meshbox")
                    && !k.startsWith("org.opencontainers.")
                    && !k.startsWith("com.docker.")
                    && !k.equals("maintainer")) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** {@code 9080}, {@code 8000:8080} or either with the port's name ({@code 9000/tcp}), comma-separated. */
    static List<ServicePort> ports(String text) {
        List<ServicePort> out = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            // A name after a slash (9000/tcp, 443:8443/https) selects the protocol as a Service port's name does.
            int slash = p.indexOf('/');
            String name = slash < 0 ? null : p.substring(slash + 1).trim();
            String[] sides = (slash < 0 ? p : p.substring(0, slash)).split(":", 2);
            try {
                int port = Integer.parseInt(sides[0].trim());
                int target = sides.length == 2 ? Integer.parseInt(sides[1].trim()) : port;
                out.add(
                        name == null || name.isEmpty()
                                ? new ServicePort(out.isEmpty() ? "http" : "http-" + port, port, target, "HTTP")
                                : ServicePort.of(name, port, target, null));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected ports such as 9080 or 8000:8080, comma-separated");
            }
        }
        return out;
    }

    private View withReadiness(View view, List<ContainerView> containers) {
        Map<String, Boolean> allRunning = new HashMap<>();
        Map<String, Integer> appPorts = new HashMap<>();
        for (ContainerView c : containers) {
            String pod = c.labels().get(POD);
            if (pod != null) {
                allRunning.merge(pod, c.running(), Boolean::logicalAnd);
                appPort(c.labels()).ifPresent(port -> appPorts.put(pod, port));
            }
        }
        Map<String, Pod> pods = new TreeMap<>();
        view.pods().forEach((key, pod) -> {
            boolean running = allRunning.getOrDefault(pod.name(), false);
            if (!running) {
                probedReady.remove(pod.name());
            } else if (!probedReady.contains(pod.name()) && probe(pod, appPorts.get(pod.name()))) {
                probedReady.add(pod.name());
            }
            pods.put(key, pod.withReady(running && probedReady.contains(pod.name())));
        });
        probedReady.retainAll(pods.values().stream().map(Pod::name).toList());
        return new View(pods, view.services(), view.problems());
    }

    /** {@code dev.meshbox.app-port}, when it is a port number. */
    static OptionalInt appPort(Map<String, String> labels) {
        try {
            int port = Integer.parseInt(labels.getOrDefault(APP_PORT, ""));
            return port > 0 && port < 65536 ? OptionalInt.of(port) : OptionalInt.empty();
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    /** A proxy answers its readiness endpoint; a pod without one, its app accepts a connection (or it has no app). */
    private boolean probe(Pod pod, Integer appPort) {
        if (reachableFrom != null && pod.role() != Pod.ProxyKind.GATEWAY) {
            // Another network's pod cannot be probed from here: running, as the engine (its API server) reports.
            return true;
        }
        if (pod.role() == Pod.ProxyKind.NONE) {
            return appPort == null || accepts(pod.ip(), appPort);
        }
        try {
            HttpResponse<Void> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://" + pod.ip() + ":15021/healthz/ready"))
                            .timeout(Duration.ofMillis(500))
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static boolean accepts(String ip, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(ip, port), 300);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void publish(View next) {
        View prev = published;
        prev.services().keySet().stream()
                .filter(k -> !next.services().containsKey(k))
                .forEach(k -> {
                    String[] nsName = k.split("/", 2);
                    registry.removeService(nsName[0], nsName[1]);
                });
        next.services().forEach((k, s) -> {
            if (!Objects.equals(prev.services().get(k), s)) {
                registry.putService(s);
            }
        });
        prev.pods().keySet().stream().filter(k -> !next.pods().containsKey(k)).forEach(k -> {
            String[] nsName = k.split("/", 2);
            registry.removePod(nsName[0], nsName[1]);
        });
        next.pods().forEach((k, p) -> {
            if (!Objects.equals(prev.pods().get(k), p)) {
                registry.putPod(p);
            }
        });
        published = next;
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}
