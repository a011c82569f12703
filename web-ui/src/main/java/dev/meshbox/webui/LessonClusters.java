package dev.meshbox.webui;

import dev.meshbox.scenarios.Scenario;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Whether a mesh runs the clusters a lesson declares ({@code clusters:} and {@code multicluster:}, as a scenario's). */
public final class LessonClusters {

    /** The model a lesson without {@code multicluster:} runs, Istio's today. */
    public static final String DEFAULT_MODEL = "multi-primary";

    private LessonClusters() {}

    /** The lesson's model word: its {@code multicluster:}, else multi-primary. */
    public static String model(Scenario lesson) {
        return lesson.multicluster().isEmpty() ? DEFAULT_MODEL : lesson.multicluster();
    }

    /**
     * Empty when {@code mesh} runs the lesson's clusters (the same names and networks, in the lesson's model, each with
     * the lesson's workloads for it) or the lesson declares none; otherwise what differs, in a sentence.
     */
    public static String mismatch(UiMesh mesh, Scenario lesson) {
        if (lesson.clusters().isEmpty()) {
            return "";
        }
        String wanted = describe(lesson);
        List<UiCluster> have = mesh.clusters();
        if (have.isEmpty()) {
            return "lesson " + lesson.name() + " runs " + wanted + "; this mesh is one cluster";
        }
        List<String> problems = new ArrayList<>();
        if (!model(lesson).equals(mesh.multicluster())) {
            problems.add("it runs the " + mesh.multicluster() + " model");
        }
        List<String> names = have.stream().map(UiCluster::name).toList();
        List<String> wantedNames =
                lesson.clusters().stream().map(Scenario.Cluster::name).toList();
        if (!names.equals(wantedNames)) {
            problems.add("its clusters are " + String.join(", ", names));
        } else {
            for (int i = 0; i < have.size(); i++) {
                UiCluster c = have.get(i);
                Scenario.Cluster w = lesson.clusters().get(i);
                if (!c.network().equals(w.network())) {
                    problems.add(c.name() + " is on network " + (c.network().isEmpty() ? "(none)" : c.network()));
                }
                List<String> missing = c.mesh().missing(w.workloads());
                if (!missing.isEmpty()) {
                    problems.add(c.name() + " does not run " + String.join(", ", missing));
                }
            }
        }
        return problems.isEmpty()
                ? ""
                : "lesson " + lesson.name() + " runs " + wanted + "; this mesh differs: " + String.join("; ", problems);
    }

    /** {@code clusters cluster1 (network1: helloworld-v1.sample, sleep.sample), cluster2 (...) in the multi-primary model}. */
    public static String describe(Scenario lesson) {
        return "clusters "
                + lesson.clusters().stream()
                        .map(c -> c.name() + " (" + (c.network().isEmpty() ? "" : c.network() + ": ")
                                + c.workloads().stream()
                                        .map(Scenario.Workload::displayName)
                                        .collect(Collectors.joining(", "))
                                + ")")
                        .collect(Collectors.joining(", "))
                + " in the " + model(lesson) + " model";
    }
}
