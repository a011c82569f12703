package dev.meshbox.launcher.cli;

import dev.meshbox.controlplane.security.MeshConfigFile;
import dev.meshbox.controlplane.security.SecurityOptions;
import dev.meshbox.launcher.addons.Addons;
import dev.meshbox.launcher.addons.PrometheusServer;
import dev.meshbox.launcher.addons.ZipkinAddon;
import dev.meshbox.launcher.addons.ZipkinServer;
import dev.meshbox.launcher.admin.AdminServer;
import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.backend.MultiClusterModel;
import dev.meshbox.launcher.start.Backends;
import dev.meshbox.launcher.ui.LessonMeshUi;
import dev.meshbox.launcher.ui.MeshUi;
import dev.meshbox.launcher.ui.UiPort;
import dev.meshbox.scenarios.BuiltinWorkloads;
import dev.meshbox.scenarios.GatewayWorkload;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.webui.WebUi;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code meshbox up}: starts Bookinfo behind the ingress and serves until Ctrl-C. */
@Command(
        name = "up",
        mixinStandardHelpOptions = true,
        description =
                "Start the mesh with Bookinfo; the ingress serves http://127.0.0.1:8080/productpage. Ctrl-C stops it.")
public final class UpCommand implements Callable<Integer> {

    @CommandLine.Mixin
    BackendOption backend = new BackendOption();

    @CommandLine.Option(names = "--seed", description = "Make every random routing choice reproducible.")
    Long seed;

    @CommandLine.Option(
            names = "--workloads",
            split = ",",
            defaultValue = "bookinfo",
            paramLabel = "NAME",
            description =
                    "What to run, comma-separated: bookinfo, httpbin, httpbin-v2, sleep, fortio, grpc-echo, cnn, tcp-echo, each optionally in a"
                            + " namespace as NAME.NAMESPACE (httpbin.foo) (default: ${DEFAULT-VALUE}).")
    List<String> workloads;

    @CommandLine.Option(
            names = "--gateway",
            paramLabel = "NAME[.NS][:PORTS]",
            description = "A gateway deployment of your own beside istio-ingressgateway (repeatable): my-ingress or"
                    + " my-ingress.istio-system:80,443, labelled app and istio = NAME; a Gateway selecting"
                    + " {istio: my-ingress} is served by it. Local backend only.")
    List<String> gateways = new java.util.ArrayList<>();

    @CommandLine.Option(
            names = "--ui-port",
            defaultValue = "" + WebUi.DEFAULT_PORT,
            paramLabel = "PORT",
            description =
                    "Port of the web UI on 127.0.0.1 (default: ${DEFAULT-VALUE}, Kiali's); 0 starts without the UI.")
    int uiPort;

    @CommandLine.Option(
            names = "--scenarios",
            defaultValue = "scenarios",
            paramLabel = "DIR",
            description =
                    "Your scenario files (*.yaml), listed in the web UI beside the built-in ones (default: ${DEFAULT-VALUE}).")
    Path scenarioDir;

    @CommandLine.Option(
            names = "--cacerts",
            paramLabel = "DIR",
            description = "Istio's plug-in CA files (ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem) to sign"
                    + " workload certificates with, instead of a generated root: meshes given the same root trust each other."
                    + " On Kubernetes: the cacerts Secret in istio-system, as Istio's 'Plug in CA certificates'.")
    Path cacerts;

    @CommandLine.Option(
            names = "--mesh-config",
            paramLabel = "FILE",
            description = "Istio's mesh config (the istio ConfigMap's data.mesh as a YAML file); MeshBox reads its"
                    + " extensionProviders (envoyExtAuthzHttp), the authorizers CUSTOM AuthorizationPolicies name, and"
                    + " outboundTrafficPolicy.mode (ALLOW_ANY, or REGISTRY_ONLY: hosts outside the registry get 502).")
    Path meshConfig;

    @CommandLine.Option(
            names = "--tracing",
            description = "Start Zipkin (its own server, fetched by Maven on first use) on http://127.0.0.1:9411,"
                    + " registered as zipkin.istio-system port 9411 where the proxies send spans, and set the mesh"
                    + " config's defaultConfig.tracing.sampling to 100 (Istio's demo profile) unless it sets one.")
    boolean tracing;

    @CommandLine.Option(
            names = "--prometheus",
            description =
                    "Run Debian's prometheus (apt-get install -y prometheus) on http://127.0.0.1:9090 with Istio's"
                            + " addon config: scrape_interval 15s, job kubernetes-pods scraping every proxy's"
                            + " /stats/prometheus on 15090, following pods as they come and go. On docker: container"
                            + " prometheus in istio-system running that binary; on Kubernetes: Istio's addon"
                            + " Deployment (image prom/prometheus), reached through a port-forward.")
    boolean prometheus;

    @CommandLine.Option(
            names = "--clusters",
            defaultValue = "1",
            paramLabel = "N",
            description = "Run N clusters (cluster1, cluster2, ...; local or docker backend, or kubernetes with a"
                    + " --kubeconfig or --context per cluster), each with its own control plane,"
                    + " ingress and --workloads, one root CA (--cacerts DIR: DIR/cluster1, ... as Istio's"
                    + " Makefile.selfsigned.mk makes them), each on its own network behind an east-west gateway.")
    int clusters;

    @CommandLine.Option(
            names = "--single-network",
            description = "With --clusters: all clusters on network1, pods reaching each other directly.")
    boolean singleNetwork;

    @CommandLine.Option(
            names = "--multicluster",
            defaultValue = "multi-primary",
            paramLabel = "MODEL",
            description = "With --clusters: multi-primary (remote secrets, east-west gateways) or global (Istio 1.1 to"
                    + " 1.7's .global names: no remote secrets; in each cluster the *.global Gateway on the ingress"
                    + " gateway's 15443 and DestinationRule, and a .global DNS stub; each cluster's gateway address"
                    + " printed for the ServiceEntries). docs/multicluster.md")
    String multicluster;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The fixed ports of {@code up} that something else holds, e.g. "port 8080", or empty. */
    static String busyPorts() {
        return busyPorts(false, false);
    }

    /** Also Zipkin's 9411 with {@code tracing}, Prometheus' 9090 with {@code prometheus}. */
    static String busyPorts(boolean tracing, boolean prometheus) {
        java.util.List<String> busy = new java.util.ArrayList<>();
        java.util.List<Integer> ports =
                new java.util.ArrayList<>(java.util.List.of(8080, 15000, 15010, 15014, 15021, 15090));
        if (tracing) {
            ports.add(9411);
        }
        if (prometheus) {
            ports.add(9090);
        }
        for (int port : ports) {
            if (dev.meshbox.launcher.backend.LocalPorts.inUse(port)) {
                busy.add(Integer.toString(port));
            }
        }
        return busy.isEmpty()
                ? ""
                : (busy.size() == 1 ? "port " : "ports ")
                        + String.join(", ", busy)
                        + (busy.size() == 1 ? " is" : " are");
    }

    /** The mesh as containers; the control plane's admin API is published on 15014, so apply/logs/load work as with local. */
    private int upOnDocker(PrintStream out, MeshConfigFile.Settings meshSettings) throws InterruptedException {
        long t0 = System.nanoTime();
        out.println("Starting MeshBox (backend docker) ...");
        if (tracing && dev.meshbox.launcher.backend.LocalPorts.inUse(ZipkinServer.PORT)) {
            throw new IllegalStateException("port " + ZipkinServer.PORT
                    + " is already in use on 127.0.0.1; --tracing publishes Zipkin there. Is another Zipkin running?");
        }
        if (prometheus && dev.meshbox.launcher.backend.LocalPorts.inUse(PrometheusServer.PORT)) {
            throw new IllegalStateException("port " + PrometheusServer.PORT + " is already in use on 127.0.0.1;"
                    + " --prometheus publishes Prometheus there. Is another Prometheus running?");
        }
        Optional<ZipkinAddon> zipkin = tracing ? Optional.of(Addons.zipkin(out)) : Optional.empty();
        MeshSpec meshSpec = MeshSpec.of(builtins());
        dev.meshbox.launcher.docker.DockerMesh mesh = dev.meshbox.launcher.docker.DockerMesh.start(
                zipkin.map(z -> z.addTo(meshSpec)).orElse(meshSpec),
                dev.meshbox.launcher.docker.DockerMesh.Options.standard(
                                seed == null ? OptionalLong.empty() : OptionalLong.of(seed))
                        .withMeshConfig(meshSettings),
                out);
        // meshbox apply goes to the control plane's admin API, past this process: look for Gateways to deploy.
        mesh.followGateways();
        PrometheusServer prom;
        try {
            prom = prometheus
                    ? PrometheusServer.startOnDocker(
                            mesh, PrometheusServer.PORT, PrometheusServer.ISTIO_SCRAPE_INTERVAL)
                    : null;
        } catch (RuntimeException e) {
            mesh.close();
            throw e;
        }
        UntilStopped stopped = UntilStopped.onShutdown(
                "Stopping MeshBox: removing containers and network " + mesh.network() + " ...", prom, mesh);
        out.printf(
                "%nMeshBox is up on Docker in %.1f s (network %s, %d pods).%n",
                (System.nanoTime() - t0) / 1e9, mesh.network(), mesh.pods().size() + 1);
        if (workloads.contains("bookinfo")) {
            out.println("  Bookinfo       http://127.0.0.1:" + mesh.ingress().getPort() + "/productpage");
        }
        out.println("  Admin API      " + mesh.admin() + "/proxies   (meshbox apply -f FILE)");
        zipkin.flatMap(ZipkinAddon::url).ifPresent(url -> out.println("  Zipkin         " + url));
        if (prom != null) {
            out.println("  Prometheus     " + prom.url());
        }
        out.println("  Containers     docker ps --filter label=dev.meshbox.mesh=" + mesh.meshId());
        out.println(
                "Try: ./meshbox apply -f FILE | ./meshbox logs productpage | ./meshbox load -c 3 -n 30 --from productpage http://reviews:9080/reviews/0");
        out.println("Press Ctrl-C to stop.");
        stopped.await();
        return 0;
    }

    /** The mesh on a Kubernetes cluster; the ingress and the admin API are port-forwarded to 8080 and 15014. */
    private int upOnKubernetes(PrintStream out, MeshConfigFile.Settings meshSettings) throws InterruptedException {
        long t0 = System.nanoTime();
        out.println("Starting MeshBox (backend " + backend.name() + ") ...");
        // On a cluster Zipkin is Istio's zipkin.yaml Deployment (the cluster pulls its image); no jar is needed here.
        Optional<ZipkinAddon> zipkin =
                tracing ? Optional.of(new ZipkinAddon(java.nio.file.Path.of("zipkin.jar"), true)) : Optional.empty();
        MeshSpec meshSpec = MeshSpec.of(builtins());
        dev.meshbox.launcher.kube.KubeMesh mesh = Backends.startOnKubernetes(
                backend.target(),
                zipkin.map(z -> z.addTo(meshSpec)).orElse(meshSpec),
                Backends.Ports.STANDARD,
                seed == null ? OptionalLong.empty() : OptionalLong.of(seed),
                meshSettings,
                new dev.meshbox.launcher.kube.KubeClusterIdentity(null, null, cacerts),
                out);
        UntilStopped stopped =
                UntilStopped.onShutdown("Stopping MeshBox: deleting what it created in the cluster ...", mesh);
        out.printf(
                "%nMeshBox is up on %s in %.1f s (mesh %s).%n",
                backend.name(), (System.nanoTime() - t0) / 1e9, mesh.meshId());
        if (workloads.contains("bookinfo")) {
            out.println(
                    "  Bookinfo       http://127.0.0.1:" + mesh.ingress().getPort() + "/productpage   (port-forward)");
        }
        mesh.addon(ZipkinAddon.SERVICE)
                .ifPresent(a ->
                        out.println("  Zipkin         http://127.0.0.1:" + a.getPort() + "/zipkin/   (port-forward)"));
        if (prometheus) {
            // Istio's addon with Kubernetes pod discovery, in the cluster; the cluster pulls its image.
            java.net.InetSocketAddress prom = mesh.startPrometheus(
                    backend.target().pulled(dev.meshbox.launcher.kube.KubeMesh.PROMETHEUS_IMAGE),
                    PrometheusServer.PORT,
                    java.time.Duration.ofMinutes(3));
            out.println("  Prometheus     http://127.0.0.1:" + prom.getPort() + "/   (port-forward)");
        }
        out.println("  Admin API      " + mesh.admin() + "/proxies   (meshbox apply -f FILE)");
        out.println("  kubectl        kubectl get pods -A; kubectl get virtualservices,destinationrules,gateways -A");
        out.println("Try: kubectl apply -f virtual-service-reviews-90-10.yaml | ./meshbox logs productpage");
        out.println("Press Ctrl-C to stop.");
        stopped.await();
        return 0;
    }

    /** Closes the mesh on Ctrl-C; what could not be removed is named on stderr. */
    /** The --workloads, each a built-in name or NAME.NAMESPACE ({@code httpbin.foo}); checked in {@link #call}. */
    private List<Scenario.Workload> builtins() {
        List<Scenario.Workload> all = new java.util.ArrayList<>(workloads.stream()
                .map(w ->
                        (Scenario.Workload) BuiltinWorkloads.parse(w).workload().orElseThrow())
                .toList());
        gateways.forEach(g -> all.add(GatewayWorkload.parse(g).gateway().orElseThrow()));
        return all;
    }

    @Override
    public Integer call() throws Exception {
        backend.check(spec, clusters);
        for (String w : workloads) {
            List<String> problems = BuiltinWorkloads.parse(w).problems();
            if (!problems.isEmpty()) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--workloads " + w + ": " + String.join("; ", problems));
            }
        }
        for (String g : gateways) {
            List<String> problems = GatewayWorkload.parse(g).problems();
            if (!problems.isEmpty()) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--gateway " + g + ": " + String.join("; ", problems));
            }
        }
        if (clusters < 1 || clusters > 8 || (clusters > 1 && backend.k3s())) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--clusters " + clusters + ": expected 1 to 8 clusters, on the local, docker or kubernetes backend"
                            + " (k3s runs one cluster for now)");
        }
        MultiClusterModel model = UpClusters.model(spec.commandLine(), multicluster, clusters);
        UpClusters.checkAddons(spec.commandLine(), clusters, tracing, prometheus);
        if (clusters > 1 && backend.docker() && singleNetwork) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--single-network: on the docker backend each cluster is its own Docker network; run it with"
                            + " --backend local");
        }
        // Arguments first: a bad one is exit 2 whatever else is running on the machine.
        if (uiPort < 0 || uiPort > 65535) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--ui-port " + uiPort + ": expected a port, 1 to 65535, or 0 for no UI");
        }
        MeshConfigFile.Settings meshSettings;
        try {
            meshSettings = tracing
                    ? Addons.tracingMeshConfig(meshConfig)
                    : meshConfig == null ? MeshConfigFile.Settings.DEFAULTS : MeshConfigFile.read(meshConfig);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--mesh-config " + e.getMessage());
        }
        if (prometheus && !backend.kubernetes() && PrometheusServer.binary().isEmpty()) {
            spec.commandLine()
                    .getErr()
                    .println("error: --prometheus: no prometheus binary on the PATH; install Debian's package: "
                            + "apt-get install -y " + PrometheusServer.PACKAGE);
            spec.commandLine().getErr().flush();
            return 1;
        }
        PrintStream out = new PrintStream(System.out, true);
        if (backend.docker() && clusters != 1) {
            return UpDockerClusters.run(out, clusters, model, builtins(), seed, meshSettings, cacerts);
        }
        if (backend.docker()) {
            return upOnDocker(out, meshSettings);
        }
        if (backend.kubernetes() && clusters != 1) {
            return UpKubeClusters.run(
                    spec.commandLine(),
                    out,
                    backend,
                    clusters,
                    model,
                    singleNetwork,
                    builtins(),
                    seed,
                    meshSettings,
                    cacerts);
        }
        if (backend.kubernetes()) {
            UpKubeClusters.checkOne(spec.commandLine(), cacerts);
            return upOnKubernetes(out, meshSettings);
        }
        String busy = busyPorts(tracing, prometheus);
        if (!busy.isEmpty()) {
            spec.commandLine()
                    .getErr()
                    .println(
                            "error: " + busy + " already in use on 127.0.0.1; MeshBox up needs it"
                                    + " (the ingress on 8080, the gateway's admin on 15000, xDS on 15010, the admin API on 15014)."
                                    + " Is another mesh or program running? Stop it, or use ./meshbox run, which needs no fixed ports.");
            spec.commandLine().getErr().flush();
            return 1;
        }
        if (uiPort > 0 && !UiPort.free(uiPort)) {
            spec.commandLine()
                    .getErr()
                    .println(
                            "error: port " + uiPort + " is already in use on 127.0.0.1; the web UI needs it."
                                    + " Is another MeshBox or Kiali running? Stop it, choose another port with --ui-port PORT, or --ui-port 0 for no UI.");
            spec.commandLine().getErr().flush();
            return 1;
        }
        if (clusters != 1) {
            return UpClusters.run(
                    out,
                    clusters,
                    model,
                    singleNetwork,
                    builtins(),
                    seed,
                    meshSettings,
                    cacerts,
                    new UpClusters.Ui(uiPort, scenarioDir));
        }
        long t0 = System.nanoTime();
        out.println("Starting MeshBox (backend local) ...");
        Optional<ZipkinAddon> zipkin = tracing ? Optional.of(Addons.zipkin(out)) : Optional.empty();
        MeshSpec meshSpec = MeshSpec.of(builtins());
        LocalMesh mesh = LocalMesh.start(
                zipkin.map(z -> z.addTo(meshSpec)).orElse(meshSpec),
                LocalOptions.standard(seed == null ? OptionalLong.empty() : OptionalLong.of(seed))
                        .withSecurity(meshSettings.applyTo(SecurityOptions.DEFAULTS.withCacerts(cacerts))),
                out);
        AdminServer admin;
        try {
            admin = new AdminServer(mesh.control(), "127.0.0.1", AdminServer.PORT);
        } catch (RuntimeException e) {
            mesh.close();
            throw e;
        }
        WebUi ui;
        // A lesson with clusters brings its multi-cluster mesh up beside this one (LessonMeshUi).
        LessonMeshUi uiMesh = new LessonMeshUi(new MeshUi(
                mesh.control(),
                builtins(),
                zipkin.flatMap(ZipkinAddon::url).flatMap(dev.meshbox.scenarios.ZipkinTraces::baseOf)));
        try {
            ui = uiPort == 0 ? null : WebUi.start(uiMesh, WebUi.Options.loopback(uiPort, Optional.of(scenarioDir)));
        } catch (RuntimeException e) {
            admin.close();
            mesh.close();
            throw e;
        }
        PrometheusServer prom;
        try {
            prom = prometheus
                    ? PrometheusServer.start(
                            new java.net.InetSocketAddress("127.0.0.1", PrometheusServer.PORT),
                            PrometheusServer.ISTIO_SCRAPE_INTERVAL,
                            mesh.control()::pods,
                            java.util.Optional.of(new java.net.InetSocketAddress("127.0.0.1", admin.port())))
                    : null;
        } catch (RuntimeException e) {
            if (ui != null) {
                ui.close();
            }
            admin.close();
            mesh.close();
            throw e;
        }
        UntilStopped stopped = UntilStopped.onShutdown("Stopping MeshBox ...", prom, ui, uiMesh, admin, mesh);
        Runtime rt = Runtime.getRuntime();
        out.printf(
                "%nMeshBox is up in %.1f s (heap in use %d MB).%n",
                (System.nanoTime() - t0) / 1e9, (rt.totalMemory() - rt.freeMemory()) / (1024 * 1024));
        if (workloads.contains("bookinfo")) {
            out.println("  Bookinfo       http://127.0.0.1:8080/productpage");
        }
        if (ui != null) {
            out.println("  Web UI         " + ui.url());
        }
        zipkin.flatMap(ZipkinAddon::url).ifPresent(url -> out.println("  Zipkin         " + url));
        if (prom != null) {
            out.println("  Prometheus     " + prom.url());
        }
        out.println("  Admin API      http://127.0.0.1:" + AdminServer.PORT + "/proxies   (meshbox apply -f FILE)");
        out.println("  xDS (ADS)      127.0.0.1:" + mesh.controlPlane().xdsPort());
        mesh.pods().stream()
                .filter(p -> p.proxy() != null)
                .forEach(p -> out.printf(
                        "  %-20s http://%s:15000/config_dump%n",
                        p.pod().app(), p.pod().ip()));
        out.println(
                "Try: ./meshbox apply -f FILE | ./meshbox logs productpage | ./meshbox load -c 3 -n 30 --from productpage http://reviews:9080/reviews/0");
        out.println("Press Ctrl-C to stop.");
        stopped.await();
        return 0;
    }
}
