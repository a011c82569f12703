package dev.meshbox.scenarios;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the user's own Kubernetes YAML: Services keep their names, ports and selectors; each Deployment runs as echo
 * stand-ins with its pod labels, container port and replicas. Pod-template annotations model a slow or failing
 * version: {@code meshbox.dev/latency: "200ms"}, {@code meshbox.dev/error-rate: "0.3"},
 * {@code meshbox.dev/error-status: "503"}, {@code meshbox.dev/fail-first: "5"}.
 */
public final class KubernetesManifests {

    /** Kinds a workload file may hold that MeshBox has no use for; they are skipped. */
    private static final Set<String> IGNORED = Set.of(
            "ServiceAccount",
            "ConfigMap",
            "Secret",
            "Namespace",
            "PersistentVolumeClaim",
            "HorizontalPodAutoscaler",
            "PodDisruptionBudget");

    private static final String ANNOTATION = "meshbox.dev/";
    /** Istio's per-pod injection switch: {@code "false"} runs the pod without a sidecar. */
    private static final String INJECT = "sidecar.istio.io/inject";

    private KubernetesManifests() {}

    /** Parses every document; all problems come at once as a {@link ScenarioException}. */
    public static Scenario.Kubernetes parse(String source, String yaml) {
        List<Scenario.KubeService> services = new ArrayList<>();
        List<Scenario.KubeDeployment> deployments = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory());
        String[] lines = yaml.split("\n", -1);
        int start = 0;
        int index = 0;
        for (int i = 0; i <= lines.length; i++) {
            if (i == lines.length || lines[i].matches("^---\\s*$")) {
                String doc = "\n".repeat(start) + String.join("\n", java.util.Arrays.copyOfRange(lines, start, i));
                document(mapper, source, doc, ++index, services, deployments, problems);
                start = i + 1;
            }
        }
        if (problems.isEmpty() && deployments.isEmpty()) {
            problems.add(source
                    + ": holds no Deployment; expected apps/v1 Deployments (and v1 Services) to run as workloads");
        }
        for (Scenario.KubeService s : services) {
            boolean selects = deployments.stream()
                    .anyMatch(d -> d.namespace().equals(s.namespace())
                            && !s.selector().isEmpty()
                            && s.selector().entrySet().stream()
                                    .allMatch(e ->
                                            e.getValue().equals(d.podLabels().get(e.getKey()))));
            if (!selects) {
                problems.add(source + ": Service " + s.namespace() + "/" + s.name() + ": spec.selector " + s.selector()
                        + " selects no Deployment's pod labels in this file");
            }
        }
        if (!problems.isEmpty()) {
            throw new ScenarioException(String.join("\n", problems));
        }
        return new Scenario.Kubernetes(source, List.copyOf(services), List.copyOf(deployments));
    }

    private static void document(
            ObjectMapper mapper,
            String source,
            String doc,
            int index,
            List<Scenario.KubeService> services,
            List<Scenario.KubeDeployment> deployments,
            List<String> problems) {
        JsonNode root;
        try {
            root = mapper.readTree(doc);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            problems.add(source + ":" + line + ": not valid YAML: " + e.getOriginalMessage());
            return;
        }
        if (root == null || root.isNull() || root.isEmpty()) {
            return;
        }
        FieldReader r = new FieldReader(Path.of(source), LineIndex.of(doc));
        String kind = root.path("kind").asText("");
        String name = root.path("metadata").path("name").asText("");
        String namespace = root.path("metadata").path("namespace").asText("default");
        String what = kind + " " + namespace + "/" + name;
        if (kind.isEmpty()) {
            r.problem("kind", "document " + index + " has no kind; expected Deployment or Service");
        } else if (name.isEmpty()) {
            r.problem("metadata.name", what + ": is required");
        } else if (kind.equals("Service")) {
            service(r, root, name, namespace, what).ifPresent(services::add);
        } else if (kind.equals("Deployment")) {
            deployment(r, root, name, namespace, what).ifPresent(deployments::add);
        } else if (!IGNORED.contains(kind)) {
            r.problem(
                    "kind",
                    what + ": a workload file holds Deployments and Services; put Istio config under config:, " + "and "
                            + kind + " is not simulated");
        }
        try {
            r.throwIfAny();
        } catch (ScenarioException e) {
            problems.add(e.getMessage());
        }
    }

    private static Optional<Scenario.KubeService> service(
            FieldReader r, JsonNode root, String name, String namespace, String what) {
        JsonNode spec = root.path("spec");
        List<Scenario.KubePort> ports = new ArrayList<>();
        JsonNode ps = spec.path("ports");
        if (!ps.isArray() || ps.isEmpty()) {
            r.problem("spec.ports", what + ": must list at least one port");
        }
        for (int i = 0; i < ps.size(); i++) {
            JsonNode p = ps.get(i);
            int port = p.path("port").asInt(0);
            if (port < 1 || port > 65535) {
                r.problem(
                        "spec.ports[" + i + "].port",
                        what + ": must be a port between 1 and 65535, got " + p.path("port"));
                continue;
            }
            JsonNode t = p.get("targetPort");
            int target = port;
            if (t != null && t.canConvertToInt()) {
                target = t.asInt();
            } else if (t != null) {
                r.problem(
                        "spec.ports[" + i + "].targetPort",
                        what + ": named target ports are not supported yet; give the number, got " + t);
            }
            ports.add(new Scenario.KubePort(
                    p.path("name").asText("http"),
                    port,
                    target,
                    p.hasNonNull("appProtocol") ? p.get("appProtocol").asText() : null));
        }
        Map<String, String> selector = strings(spec.path("selector"));
        if (selector.isEmpty()) {
            r.problem("spec.selector", what + ": is required (MeshBox finds the Service's pods by it)");
        }
        return Optional.of(new Scenario.KubeService(name, namespace, List.copyOf(ports), selector));
    }

    private static Optional<Scenario.KubeDeployment> deployment(
            FieldReader r, JsonNode root, String name, String namespace, String what) {
        JsonNode spec = root.path("spec");
        int replicas = spec.has("replicas") ? spec.path("replicas").asInt(-1) : 1;
        if (replicas < 0 || replicas > 20) {
            r.problem("spec.replicas", what + ": must be between 0 and 20, got " + spec.path("replicas"));
        }
        JsonNode template = spec.path("template").path("metadata");
        Map<String, String> labels = strings(template.path("labels"));
        if (labels.isEmpty()) {
            r.problem("spec.template.metadata.labels", what + ": is required (at least app, and version for subsets)");
        }
        int port = 8080;
        JsonNode containers = spec.path("template").path("spec").path("containers");
        if (containers.isArray()
                && !containers.isEmpty()
                && containers.get(0).path("ports").isArray()
                && !containers.get(0).path("ports").isEmpty()) {
            port = containers.get(0).path("ports").get(0).path("containerPort").asInt(8080);
        }
        Map<String, String> annotations = strings(template.path("annotations"));
        FieldReader.Sub a = new FieldReader.Sub(r, "spec.template.metadata.annotations", what);
        Duration latency = a.duration(annotations, ANNOTATION + "latency").orElse(Duration.ZERO);
        double errorRate = a.fraction(annotations, ANNOTATION + "error-rate").orElse(0.0);
        int errorStatus =
                a.integer(annotations, ANNOTATION + "error-status", 400, 599).orElse(503);
        int failFirst =
                a.integer(annotations, ANNOTATION + "fail-first", 0, 1_000_000).orElse(0);
        for (String key : annotations.keySet()) {
            if (key.startsWith(ANNOTATION)
                    && !Set.of("latency", "error-rate", "error-status", "fail-first")
                            .contains(key.substring(ANNOTATION.length()))) {
                r.problem(
                        "spec.template.metadata.annotations",
                        what + ": unknown annotation " + key
                                + "; expected meshbox.dev/latency, error-rate, error-status or fail-first");
            }
        }
        String serviceAccount =
                spec.path("template").path("spec").path("serviceAccountName").asText("default");
        // Istio's per-pod opt-out of injection, as an annotation (or, in newer Istio, a label).
        String inject = annotations.getOrDefault(INJECT, labels.getOrDefault(INJECT, "true"));
        if (!inject.equals("true") && !inject.equals("false")) {
            r.problem(
                    "spec.template.metadata.annotations",
                    what + ": " + INJECT + " must be \"true\" or \"false\", got \"" + inject + "\"");
        }
        return Optional.of(new Scenario.KubeDeployment(
                name,
                namespace,
                Math.max(0, replicas),
                labels,
                port,
                new Scenario.EchoVersion(Math.max(0, replicas), latency, errorRate, errorStatus, failFirst),
                serviceAccount,
                !inject.equals("false"),
                proxyConfig(r, annotations.get(PROXY_CONFIG), what)));
    }

    /** Istio's per-pod ProxyConfig annotation, which the injector bakes into the sidecar's bootstrap. */
    static final String PROXY_CONFIG = "proxy.istio.io/config";

    /** The annotation's YAML (a ProxyConfig mapping) as JSON; a problem naming the annotation when it is not one. */
    private static String proxyConfig(FieldReader r, String yaml, String what) {
        if (yaml == null || yaml.isBlank()) {
            return "";
        }
        String field = "spec.template.metadata.annotations[" + PROXY_CONFIG + "]";
        JsonNode config;
        try {
            config = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (JsonProcessingException e) {
            r.problem(field, what + ": not valid YAML: " + e.getOriginalMessage());
            return "";
        }
        if (config == null || !config.isObject()) {
            r.problem(field, what + ": must be a ProxyConfig mapping, e.g. \"tracing: {sampling: 10}\", got " + yaml);
            return "";
        }
        JsonNode sampling = config.path("tracing").path("sampling");
        if (!sampling.isMissingNode()
                && (!sampling.isNumber() || sampling.asDouble() < 0 || sampling.asDouble() > 100)) {
            r.problem(field, what + ": tracing.sampling must be a percentage between 0 and 100, got " + sampling);
            return "";
        }
        return config.toString();
    }

    private static Map<String, String> strings(JsonNode n) {
        Map<String, String> out = new LinkedHashMap<>();
        if (n != null && n.isObject()) {
            n.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        }
        return out;
    }
}
