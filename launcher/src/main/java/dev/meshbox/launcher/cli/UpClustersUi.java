package dev.meshbox.launcher.cli;

import dev.meshbox.launcher.backend.MultiClusterMesh;
import dev.meshbox.launcher.backend.MultiClusterModel;
import dev.meshbox.launcher.ui.LessonMeshUi;
import dev.meshbox.launcher.ui.MultiClusterUi;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.webui.WebUi;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The web UI of {@code up --clusters N}: every cluster's workloads in one UI, each cluster's config apart. */
final class UpClustersUi {

    private UpClustersUi() {}

    /** Every cluster runs {@code workloads}, as {@code up --clusters} starts them. */
    static LessonMeshUi mesh(MultiClusterMesh mesh, MultiClusterModel model, List<Scenario.Workload> workloads) {
        Map<String, List<Scenario.Workload>> byCluster = new LinkedHashMap<>();
        mesh.clusters().keySet().forEach(c -> byCluster.put(c, workloads));
        return new LessonMeshUi(new MultiClusterUi(mesh, model, byCluster));
    }

    static WebUi start(LessonMeshUi mesh, int port, Path scenarioDir) {
        return WebUi.start(mesh, WebUi.Options.loopback(port, Optional.of(scenarioDir)));
    }
}
