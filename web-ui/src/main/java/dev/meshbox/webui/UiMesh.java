package dev.meshbox.webui;

import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.config.ResourceKey;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.ScenarioReport;
import dev.meshbox.scenarios.ScenarioRunner;
import java.io.PrintStream;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the UI needs of a running mesh, whichever backend runs it. The UI sits beside the control plane, as Kiali sits
 * beside istiod: config and xDS state come from the {@link ControlPlane}, everything about a proxy from its ports at
 * the pod IP (admin 15000, Prometheus 15090), as any client on the pod network would read them.
 */
public interface UiMesh {

    /** Apply, reset, where to send traffic and the proxies' access logs, as scenarios use them. */
    MeshAccess access();

    /**
     * Deletes applied resources through the same writer {@link #access()} applies with, and waits until every proxy
     * has ACKed the result.
     *
     * @throws IllegalStateException when the proxies reject the result or do not ACK it in time
     */
    MeshAccess.ApplyOutcome delete(List<ResourceKey> keys);

    /** Read-only here: the applied resources, the xDS state of each proxy, warnings. Changes go through {@link #access()}. */
    ControlPlane controlPlane();

    /** Every pod with a proxy: sidecars and the ingress gateway. */
    List<Pod> pods();

    /** GET on a proxy's admin port ({@code /config_dump}, {@code /access_log?format=json}, ...). */
    String adminGet(Pod pod, String path);

    /** The proxy's {@code /stats/prometheus} text from port 15090 at its pod IP. */
    String prometheus(Pod pod);

    /** The built-in workloads this mesh runs, as {@code up --workloads} names them ({@code bookinfo}, ...). */
    List<String> workloads();

    /**
     * Which of {@code wanted} this mesh does not run, by name ({@code httpbin}, {@code fortio}, {@code echo checkout}):
     * empty when a scenario or lesson needing them can run here.
     */
    List<String> missing(List<Scenario.Workload> wanted);

    /**
     * The Zipkin this mesh was started with ({@code up --tracing}: {@code http://127.0.0.1:9411}), which trace
     * expectations read; empty when it runs without one.
     */
    default Optional<URI> zipkin() {
        return Optional.empty();
    }

    /**
     * A runner for this mesh: trace expectations read this mesh's Zipkin, or, without one, are skipped with the reason
     * (a mesh started without {@code --tracing} cannot check them; that is not the scenario failing).
     */
    default ScenarioRunner runner(PrintStream progress) {
        // Request ids from the clock: the access logs keep earlier runs, and each run must find only its own requests.
        ScenarioRunner runner = new ScenarioRunner(access(), progress, OptionalLong.empty());
        Optional<URI> zipkin = zipkin();
        if (zipkin.isPresent()) {
            return runner.withZipkin(zipkin.get());
        }
        return runner.skippingTraces(NO_ZIPKIN);
    }

    /**
     * The clusters of a multi-cluster mesh, in order (the first is the one {@link #controlPlane()} answers for); empty
     * for a mesh of one cluster. {@link #pods()} and {@link #access()} span every cluster; each cluster's own config and
     * xDS state are its {@link UiCluster#mesh()}'s.
     */
    default List<UiCluster> clusters() {
        return List.of();
    }

    /** The multi-cluster model its clusters run ({@code multi-primary} or {@code global}); empty for one cluster. */
    default String multicluster() {
        return "";
    }

    /**
     * Makes this mesh run what {@code lesson} declares: a lesson with {@code clusters:} needs those clusters (names,
     * networks, workloads) in its {@code multicluster:} model. A mesh that can start meshes (the launcher's) brings that
     * multi-cluster mesh up beside the one it was started with and serves from it; a lesson without clusters brings
     * the first mesh back. This default serves lessons the mesh already runs and otherwise says how to start one.
     *
     * @return what changed, for the page ({@code started clusters cluster1, cluster2 (multi-primary)}); empty when
     *     nothing had to
     * @throws IllegalStateException when this mesh cannot run the lesson, saying which {@code meshbox up} can
     */
    default Optional<String> prepare(Scenario lesson, PrintStream progress) throws InterruptedException {
        String missing = LessonClusters.mismatch(this, lesson);
        if (missing.isEmpty()) {
            return Optional.empty();
        }
        throw new IllegalStateException(
                missing + ". The UI of ./meshbox up brings a lesson's clusters up when its first step is applied");
    }

    /** Why trace checks are skipped on a mesh without Zipkin. */
    String NO_ZIPKIN = "this mesh runs without Zipkin, so traces cannot be checked here: start it with"
            + " `./meshbox up --tracing` (or run the scenario with `./meshbox run`, which starts Zipkin for"
            + " tracing: true)";

    /** Runs a scenario on this mesh: its config is reset first, so earlier runs and edits do not leak in. */
    default ScenarioReport run(Scenario scenario, PrintStream progress) throws InterruptedException {
        access().resetConfig();
        return runner(progress).run(scenario);
    }
}
