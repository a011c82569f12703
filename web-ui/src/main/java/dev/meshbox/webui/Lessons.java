package dev.meshbox.webui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.ScenarioLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Workshop mode: Istio's traffic-management tasks as lessons ({@code lessons.yaml} in the jar). Each step is a scenario
 * step (config, traffic, expectations) plus what to observe and why, so a lesson's checks are a scenario's checks.
 */
final class Lessons {

    /** One step as the page shows it; {@code config} holds the YAML it applies, by file name. */
    record Step(String name, List<MeshAccess.ConfigText> config, String traffic, String observe, String why) {}

    /**
     * A lesson; {@code clusters} are its {@code clusters:} as the page lists them ({@code cluster1 (network1):
     * helloworld-v1.sample, sleep.sample}), empty for a lesson on one cluster, and {@code multicluster} their model.
     */
    record Lesson(
            String id,
            String title,
            String task,
            String intro,
            List<String> workloads,
            List<Step> steps,
            List<String> clusters,
            String multicluster) {}

    private static final List<String> STEP_TEXT = List.of("observe", "why");

    private final Map<String, Lesson> lessons = new LinkedHashMap<>();
    private final Map<String, Scenario> scenarios = new LinkedHashMap<>();

    /** @param scenarioDir the built-in scenarios folder: lesson files resolve against it ({@code istio/...}) */
    Lessons(Path scenarioDir) {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        JsonNode root;
        try (InputStream in = Lessons.class.getResourceAsStream("lessons.yaml")) {
            root = yaml.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("lessons.yaml cannot be read: " + e.getMessage(), e);
        }
        ScenarioLoader loader = new ScenarioLoader();
        for (JsonNode l : root) {
            String id = l.path("id").asText();
            ObjectNode scenario = yaml.createObjectNode();
            scenario.put("name", id);
            scenario.put("description", l.path("title").asText());
            if (l.has("workloads")) {
                scenario.set("workloads", l.path("workloads"));
            }
            // A lesson's clusters and their model, as a scenario declares them: starting the lesson brings them up.
            if (l.has("clusters")) {
                scenario.set("clusters", l.path("clusters"));
            }
            if (l.has("multicluster")) {
                scenario.set("multicluster", l.path("multicluster"));
            }
            ArrayNode steps = scenario.putArray("steps");
            for (JsonNode s : l.path("steps")) {
                ObjectNode step = s.deepCopy();
                STEP_TEXT.forEach(step::remove);
                steps.add(step);
            }
            Scenario parsed;
            try {
                parsed = loader.parse(scenarioDir.resolve("lesson-" + id + ".yaml"), yaml.writeValueAsString(scenario));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            List<Step> view = new ArrayList<>();
            for (int i = 0; i < parsed.steps().size(); i++) {
                Scenario.Step ps = parsed.steps().get(i);
                JsonNode src = l.path("steps").get(i);
                List<MeshAccess.ConfigText> config = ps.config().stream()
                        .map(c -> new MeshAccess.ConfigText(displayName(c.name()), c.text()))
                        .toList();
                view.add(new Step(
                        ps.name(),
                        config,
                        ps.traffic().map(Lessons::describe).orElse(""),
                        src.path("observe").asText(),
                        src.path("why").asText()));
            }
            lessons.put(
                    id,
                    new Lesson(
                            id,
                            l.path("title").asText(),
                            l.path("task").asText(),
                            l.path("intro").asText(),
                            parsed.workloads().stream()
                                    .map(Scenario.Workload::displayName)
                                    .toList(),
                            List.copyOf(view),
                            parsed.clusters().stream()
                                    .map(c -> c.name() + (c.network().isEmpty() ? "" : " (" + c.network() + ")") + ": "
                                            + String.join(
                                                    ", ",
                                                    c.workloads().stream()
                                                            .map(Scenario.Workload::displayName)
                                                            .toList()))
                                    .toList(),
                            parsed.clusters().isEmpty() ? "" : LessonClusters.model(parsed)));
            scenarios.put(id, parsed);
        }
    }

    List<Lesson> all() {
        return List.copyOf(lessons.values());
    }

    Optional<Lesson> lesson(String id) {
        return Optional.ofNullable(lessons.get(id));
    }

    /** The lesson as a scenario: its workloads and steps with their config, traffic and expectations. */
    Scenario scenario(String id) {
        return scenarios.get(id);
    }

    /** The step (1-based) as a scenario of its own that only sends traffic and checks: its config is applied apart. */
    Scenario trafficOnly(String id, int step) {
        Scenario s = scenario(id);
        Scenario.Step st = s.steps().get(step - 1);
        // The step's proxy admin call (drain a proxy, as Istio's failover task does) belongs to sending its traffic.
        return new Scenario(
                s.name() + " step " + step,
                st.name(),
                s.file(),
                s.workloads(),
                Optional.empty(),
                List.of(new Scenario.Step(
                        st.name(), List.of(), Optional.empty(), st.traffic(), st.expect(), st.proxyAdmin())),
                Optional.empty(),
                false,
                s.clusters(),
                s.multicluster());
    }

    /** {@code istio/virtual-service-all-v1.yaml} from the unpacked path, or the inline entry's name. */
    static String displayName(String name) {
        int i = name.lastIndexOf("istio/");
        if (i >= 0) {
            return name.substring(i);
        }
        int space = name.indexOf(' ');
        String file = space > 0 ? name.substring(0, space) : name;
        return file.startsWith("lesson-") ? "inline " + name.substring(space + 1) : name;
    }

    /** {@code 10 x GET /productpage as jason, through the ingress}. */
    static String describe(Scenario.Traffic t) {
        String user = t.headers().containsKey("end-user") ? " as " + t.headers().get("end-user") : "";
        String from = t.from().equals("ingress") ? "through the ingress" : "from " + t.from() + "'s sidecar";
        return t.count() + " x " + t.method() + " " + t.url() + user + ", " + from
                + (t.concurrency() > 1 ? ", " + t.concurrency() + " at a time" : "");
    }
}
