package dev.meshbox.launcher.kube;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Swaps container images in Kubernetes manifests. Istio's sample images (Bookinfo's
 * {@code examples-bookinfo-<app>-<version>}, httpbin, curl/sleep) become MeshBox's image running the MeshBox app that
 * plays them, so Istio's own {@code bookinfo.yaml} runs where no registry serves Istio's images; the project's own
 * manifests name {@code meshbox/meshbox:latest}, which becomes the image given; and {@code FROM=TO} rules swap one
 * image name (or prefix, ending in {@code /}) for another, as a user pointing at a mirror needs.
 */
public final class ImageMap {

    /** The image the project's manifests name, replaced by the image a mesh runs. */
    public static final String PLACEHOLDER = "meshbox/meshbox:latest";

    static final Set<String> BOOKINFO =
            Set.of("details-v1", "ratings-v1", "reviews-v1", "reviews-v2", "reviews-v3", "productpage-v1");
    private static final Pattern ISTIO_BOOKINFO =
            Pattern.compile("(?:.*/)?examples-bookinfo-([a-z]+)-(v[0-9]+)(?:-[a-z0-9-]+)?(?::.*)?");
    private static final Pattern HTTPBIN = Pattern.compile("(?:.*/)?(?:go-httpbin|httpbin)(?::.*)?");
    private static final Pattern CURL = Pattern.compile("(?:.*/)?(?:curl|sleep)(?::.*)?");
    private static final Set<String> TEMPLATED = Set.of("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job");

    /** The rewritten text and a line per container changed. */
    public record Result(String yaml, List<String> report) {}

    private final String image;
    private final boolean istioSamples;
    private final Map<String, String> rules;
    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .disable(YAMLGenerator.Feature.SPLIT_LINES));

    /**
     * @param image        MeshBox's image as the cluster pulls it
     * @param istioSamples whether Istio's sample images become MeshBox's apps
     * @param rules        {@code FROM=TO} swaps, applied first
     */
    public ImageMap(String image, boolean istioSamples, Map<String, String> rules) {
        this.image = image;
        this.istioSamples = istioSamples;
        this.rules = new LinkedHashMap<>(rules);
    }

    /** Parses {@code FROM=TO} rules as users type them, naming the bad one. */
    public static Map<String, String> rules(List<String> specs) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String s : specs) {
            int eq = s.indexOf('=');
            if (eq <= 0 || eq == s.length() - 1) {
                throw new IllegalArgumentException(
                        "--image-map " + s + ": expected FROM=TO (FROM an image, or a prefix ending in /), e.g."
                                + " docker.io/=registry.example.com/hub/");
            }
            out.put(s.substring(0, eq), s.substring(eq + 1));
        }
        return out;
    }

    /**
     * {@code image} as the first rule that matches it swaps it (a rule's FROM is a whole name, or a prefix ending in
     * {@code /}), else unchanged. A name without a registry is also matched as Docker reads it, so
     * {@code docker.io/=mirror.example.com/hub/} swaps {@code prom/prometheus:v3.5.0} (docker.io/prom/prometheus) and
     * {@code busybox} (docker.io/library/busybox).
     */
    public static String swap(Map<String, String> rules, String image) {
        return swap(rules, image, List.of(image, dockerHubName(image)));
    }

    private static String swapAsWritten(Map<String, String> rules, String image) {
        return swap(rules, image, List.of(image));
    }

    private static String swap(Map<String, String> rules, String image, List<String> forms) {
        for (Map.Entry<String, String> r : rules.entrySet()) {
            String from = r.getKey();
            for (String form : forms) {
                if (form.equals(from) || from.endsWith("/") && form.startsWith(from)) {
                    return r.getValue() + form.substring(from.length());
                }
            }
        }
        return image;
    }

    /** The full name Docker pulls for {@code image}: docker.io/ before a name without a registry host. */
    static String dockerHubName(String image) {
        int slash = image.indexOf('/');
        if (slash < 0) {
            return "docker.io/library/" + image;
        }
        String first = image.substring(0, slash);
        boolean registry = first.contains(".") || first.contains(":") || first.equals("localhost");
        return registry ? image : "docker.io/" + image;
    }

    /** Rewrites every container of every workload in a multi-document YAML text; {@code source} names it in errors. */
    public Result apply(String source, String text) {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = yaml.readerFor(JsonNode.class).readValues(text)) {
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && doc.isObject()) {
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
            JsonNode pod =
                    TEMPLATED.contains(kind) ? doc.path("spec").path("template") : kind.equals("Pod") ? doc : null;
            if (pod != null && pod.path("spec").path("containers").isArray()) {
                String where = kind + "/" + doc.path("metadata").path("name").asText("?");
                for (JsonNode c : pod.path("spec").path("containers")) {
                    rewrite(where, (ObjectNode) c, pod.path("metadata").path("labels"))
                            .ifPresent(report::add);
                }
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

    private Optional<String> rewrite(String where, ObjectNode container, JsonNode labels) {
        String original = container.path("image").asText();
        String name = where + " container " + container.path("name").asText();
        // The project's placeholder is not a Docker Hub name: only a rule naming it as written swaps it.
        String swapped = original.equals(PLACEHOLDER) ? swapAsWritten(rules, original) : swap(rules, original);
        if (!swapped.equals(original)) {
            container.put("image", swapped);
            return Optional.of(name + ": " + original + " -> " + swapped);
        }
        if (original.equals(PLACEHOLDER)) {
            container.put("image", image);
            return Optional.of(name + ": " + image);
        }
        if (!istioSamples) {
            return Optional.empty();
        }
        Matcher bookinfo = ISTIO_BOOKINFO.matcher(original);
        if (bookinfo.matches()) {
            String app = bookinfo.group(1);
            String version = bookinfo.group(2);
            if (!BOOKINFO.contains(app + "-" + version)) {
                throw new IllegalArgumentException(
                        where + ": image " + original + ": MeshBox has no Bookinfo " + app + " " + version
                                + "; it plays " + BOOKINFO.stream().sorted().toList());
            }
            play(container, List.of("--service", app, "--version", version), 9080);
            return Optional.of(
                    name + ": " + original + " -> " + image + " (MeshBox's Bookinfo " + app + " " + version + ")");
        }
        if (HTTPBIN.matcher(original).matches()) {
            String version = labels.path("version").asText("v1");
            play(container, List.of("--service", "httpbin", "--version", version), 8080);
            return Optional.of(name + ": " + original + " -> " + image + " (MeshBox's httpbin)");
        }
        if (CURL.matcher(original).matches()) {
            container.put("image", image);
            ArrayNode cmd = container.putArray("command");
            cmd.add("sleep");
            cmd.add("1000000000");
            container.remove("args");
            return Optional.of(name + ": " + original + " -> " + image + " (a client to send from: sleep)");
        }
        return Optional.empty();
    }

    /** Makes a container run one of MeshBox's apps on localhost:{@code port}, told its pod by the downward API. */
    private void play(ObjectNode container, List<String> appArgs, int port) {
        container.put("image", image);
        container.put("imagePullPolicy", "IfNotPresent");
        ArrayNode cmd = container.putArray("command");
        List.of(
                        "java",
                        "-XX:+UseSerialGC",
                        "-XX:TieredStopAtLevel=1",
                        "-Xmx96m",
                        "-cp",
                        "/opt/meshbox/meshbox.jar",
                        "dev.meshbox.bookinfo.Main")
                .forEach(cmd::add);
        appArgs.forEach(cmd::add);
        List.of("--pod", "$(POD_NAME)", "--namespace", "$(POD_NAMESPACE)", "--listen", "127.0.0.1:" + port)
                .forEach(cmd::add);
        container.remove("args");
        ArrayNode env = container.withArray("env");
        for (String[] var : List.of(
                new String[] {"POD_NAME", "metadata.name"}, new String[] {"POD_NAMESPACE", "metadata.namespace"})) {
            boolean present = false;
            for (JsonNode e : env) {
                present |= var[0].equals(e.path("name").asText());
            }
            if (!present) {
                ObjectNode e = env.addObject();
                e.put("name", var[0]);
                e.putObject("valueFrom").putObject("fieldRef").put("fieldPath", var[1]);
            }
        }
    }
}
