package dev.meshbox.controlplane.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Adds MeshBox's sidecar to Kubernetes workloads as {@code istioctl kube-inject} adds Istio's: to the pod template of
 * every Deployment, StatefulSet, DaemonSet, ReplicaSet, Job and bare Pod, an init container {@code istio-init} that
 * installs the capture rules and a container {@code istio-proxy} running MeshBox's proxy, plus Istio's labels and the
 * {@code sidecar.istio.io/status} annotation. Pods already injected, and pods annotated
 * {@code sidecar.istio.io/inject: "false"}, are left as they are; other documents pass through unchanged.
 */
public final class SidecarInjector {

    /** Where the image and the control plane are, and the proxy's uid (whose connections capture exempts). */
    public record Settings(String image, String xds, long proxyUid) {
        public static Settings defaults(String image) {
            return new Settings(image, "istiod.istio-system.svc:15010", 1337);
        }
    }

    /** The injected text and what was done, a line per workload. */
    public record Result(String yaml, List<String> report) {}

    static final Set<String> TEMPLATED = Set.of("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job");
    static final String STATUS = "sidecar.istio.io/status";
    static final String INJECT = "sidecar.istio.io/inject";

    private final Settings settings;
    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .disable(YAMLGenerator.Feature.SPLIT_LINES));

    public SidecarInjector(Settings settings) {
        this.settings = settings;
    }

    /** Injects every workload of a multi-document YAML text; {@code source} names it in errors. */
    public Result inject(String source, String text) {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = yaml.readerFor(JsonNode.class).readValues(text)) {
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    docs.add(doc);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(source + ": not valid YAML: " + e.getMessage(), e);
        }
        List<String> report = new ArrayList<>();
        StringWriter out = new StringWriter();
        for (int i = 0; i < docs.size(); i++) {
            JsonNode doc = docs.get(i);
            String kind = doc.path("kind").asText();
            String name = doc.path("metadata").path("name").asText("?");
            ObjectNode template = null;
            if (TEMPLATED.contains(kind)) {
                JsonNode t = doc.path("spec").path("template");
                if (!t.isObject() || !t.path("spec").path("containers").isArray()) {
                    throw new IllegalArgumentException(
                            source + ": " + kind + " " + name + ": spec.template.spec.containers: is required");
                }
                template = (ObjectNode) t;
            } else if (kind.equals("Pod")) {
                template = (ObjectNode) doc;
            }
            if (template != null) {
                report.add(kind + "/" + name + ": " + injectPod(template));
            }
            try {
                if (i > 0) {
                    out.write("---\n");
                }
                out.write(yaml.writeValueAsString(doc));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return new Result(out.toString(), report);
    }

    /**
     * Adds the init container and the sidecar to one pod (or pod template) in place, as the injection webhook does
     * to a pod being created; says what it did.
     */
    public String injectPod(ObjectNode pod) {
        ObjectNode meta = pod.with("metadata");
        ObjectNode annotations = meta.with("annotations");
        if ("false".equals(annotations.path(INJECT).asText())) {
            annotations.remove(INJECT);
            annotations.put(INJECT, "false");
            return "skipped (" + INJECT + ": \"false\")";
        }
        if (annotations.has(STATUS)) {
            return "already injected";
        }
        ObjectNode labels = meta.with("labels");
        ObjectNode spec = (ObjectNode) pod.get("spec");
        ArrayNode containers = (ArrayNode) spec.get("containers");
        int appPort = firstContainerPort(containers);
        String app = labels.path("app").asText("");
        String version = labels.path("version").asText("");

        ArrayNode init = spec.withArray("initContainers");
        init.add(initContainer());
        containers.add(proxyContainer(labels, appPort));
        // The proxy (uid 1337) binds the service ports on the pod IP, below 1024 too, as Envoy may.
        ArrayNode sysctls = spec.with("securityContext").withArray("sysctls");
        boolean set = false;
        for (JsonNode s : sysctls) {
            set |= "net.ipv4.ip_unprivileged_port_start".equals(s.path("name").asText());
        }
        if (!set) {
            ObjectNode unprivileged = sysctls.addObject();
            unprivileged.put("name", "net.ipv4.ip_unprivileged_port_start");
            unprivileged.put("value", "0");
        }
        labels.put("security.istio.io/tlsMode", "istio");
        if (!app.isEmpty()) {
            labels.put("service.istio.io/canonical-name", app);
        }
        labels.put("service.istio.io/canonical-revision", version.isEmpty() ? "latest" : version);
        annotations.put(
                STATUS, "{\"initContainers\":[\"istio-init\"],\"containers\":[\"istio-proxy\"],\"proxy\":\"meshbox\"}");
        annotations.put("prometheus.io/scrape", "true");
        annotations.put("prometheus.io/port", "15090");
        annotations.put("prometheus.io/path", "/stats/prometheus");
        return "injected (istio-init, istio-proxy" + (appPort > 0 ? ", ready once the app listens on " + appPort : "")
                + ")";
    }

    private static int firstContainerPort(ArrayNode containers) {
        for (JsonNode c : containers) {
            for (JsonNode p : c.path("ports")) {
                if (p.path("containerPort").canConvertToInt()) {
                    return p.path("containerPort").asInt();
                }
            }
        }
        return 0;
    }

    private ObjectNode initContainer() {
        ObjectNode c = yaml.createObjectNode();
        c.put("name", "istio-init");
        c.put("image", settings.image());
        c.put("imagePullPolicy", "IfNotPresent");
        ArrayNode cmd = c.putArray("command");
        List.of(
                        "java",
                        "-XX:TieredStopAtLevel=1",
                        "-cp",
                        "/opt/meshbox/meshbox.jar",
                        "dev.meshbox.launcher.Main",
                        "capture-init",
                        "--pod-ip",
                        "$(POD_IP)",
                        "--proxy-uid",
                        Long.toString(settings.proxyUid()))
                .forEach(cmd::add);
        c.set("env", env(List.of("POD_IP")));
        ObjectNode security = c.putObject("securityContext");
        security.put("runAsUser", 0);
        security.put("runAsNonRoot", false);
        ArrayNode add = security.putObject("capabilities").putArray("add");
        add.add("NET_ADMIN");
        add.add("NET_RAW");
        return c;
    }

    private ObjectNode proxyContainer(ObjectNode labels, int appPort) {
        ObjectNode c = yaml.createObjectNode();
        c.put("name", "istio-proxy");
        c.put("image", settings.image());
        c.put("imagePullPolicy", "IfNotPresent");
        ArrayNode cmd = c.putArray("command");
        List.of(
                        "java",
                        "-XX:+UseSerialGC",
                        "-XX:TieredStopAtLevel=1",
                        "-Xmx96m",
                        "-cp",
                        "/opt/meshbox/meshbox.jar",
                        "dev.meshbox.proxy.Main",
                        "--role",
                        "sidecar",
                        "--pod",
                        "$(POD_NAME)",
                        "--namespace",
                        "$(POD_NAMESPACE)",
                        "--ip",
                        "$(POD_IP)",
                        "--wildcard",
                        "reserved",
                        "--xds",
                        settings.xds())
                .forEach(cmd::add);
        for (Map.Entry<String, JsonNode> e : iterable(labels)) {
            cmd.add("--label");
            cmd.add(e.getKey() + "=" + e.getValue().asText());
        }
        if (appPort > 0) {
            cmd.add("--app-probe");
            cmd.add("127.0.0.1:" + appPort);
        }
        c.set("env", env(List.of("POD_NAME", "POD_NAMESPACE", "POD_IP")));
        ArrayNode ports = c.putArray("ports");
        ObjectNode prom = ports.addObject();
        prom.put("name", "http-envoy-prom");
        prom.put("containerPort", 15090);
        prom.put("protocol", "TCP");
        ObjectNode probe = c.putObject("readinessProbe");
        ObjectNode get = probe.putObject("httpGet");
        get.put("path", "/healthz/ready");
        get.put("port", 15021);
        probe.put("periodSeconds", 2);
        probe.put("failureThreshold", 30);
        ObjectNode security = c.putObject("securityContext");
        security.put("runAsUser", settings.proxyUid());
        security.put("runAsGroup", settings.proxyUid());
        security.put("runAsNonRoot", true);
        security.put("allowPrivilegeEscalation", false);
        return c;
    }

    private static Iterable<Map.Entry<String, JsonNode>> iterable(ObjectNode node) {
        List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
        node.fields().forEachRemaining(e -> {
            if (!e.getKey().startsWith("security.istio.io/") && !e.getKey().startsWith("service.istio.io/")) {
                out.add(e);
            }
        });
        return out;
    }

    private ArrayNode env(List<String> names) {
        ArrayNode env = yaml.createArrayNode();
        for (String name : names) {
            ObjectNode e = env.addObject();
            e.put("name", name);
            String field = switch (name) {
                case "POD_NAME" -> "metadata.name";
                case "POD_NAMESPACE" -> "metadata.namespace";
                default -> "status.podIP";
            };
            e.putObject("valueFrom").putObject("fieldRef").put("fieldPath", field);
        }
        return env;
    }
}
