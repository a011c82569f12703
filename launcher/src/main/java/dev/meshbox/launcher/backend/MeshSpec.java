package dev.meshbox.launcher.backend;

import dev.meshbox.bookinfo.BookinfoApps;
import dev.meshbox.bookinfo.TestApps;
import dev.meshbox.bookinfo.echo.EchoBehaviour;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.scenarios.BuiltinWorkloads;
import dev.meshbox.scenarios.Scenario;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a mesh runs: services, pods, and the config applied at start (the ingress Gateway). */
public record MeshSpec(List<MeshService> services, List<PodSpec> pods, List<String> defaultConfigNames) {

    /** The texts of {@link #defaultConfigNames()}, bundled in the jar. */
    public List<String> defaultConfig() {
        return defaultConfigNames.stream().map(MeshSpec::resource).toList();
    }

    /** Istio's Bookinfo, as {@code platform/kube/bookinfo.yaml} deploys it, plus its gateway config. */
    /** The gRPC echo workload's Service and container port. */
    public static final int GRPC_ECHO_PORT = 7070;

    public static MeshSpec bookinfo() {
        return of(List.of(new Scenario.Builtin("bookinfo")));
    }

    /** The mesh a scenario (or {@code up --workloads}) asks for: each workload's services and pods, in order. */
    public static MeshSpec of(List<Scenario.Workload> workloads) {
        Builder mesh = new Builder();
        for (Scenario.Workload w : workloads) {
            if (w instanceof Scenario.Kubernetes k) {
                mesh.kubernetes(k);
            } else if (w instanceof Scenario.JavaApp app) {
                mesh.javaApp(app);
            } else if (w instanceof Scenario.ImageApp img) {
                mesh.imageApp(img);
            } else if (w instanceof Scenario.Echo echo) {
                mesh.echo(echo);
            } else if (w instanceof dev.meshbox.scenarios.GatewayWorkload gw) {
                mesh.gateway(gw);
            } else {
                mesh.builtin((Scenario.Builtin) w);
            }
        }
        return mesh.build();
    }

    /** Collects a mesh's parts workload by workload; a service two workloads declare is kept once, the first. */
    private static final class Builder {
        private final Map<String, MeshService> services = new LinkedHashMap<>();
        private final List<PodSpec> pods = new ArrayList<>();
        private final List<String> config = new ArrayList<>();

        MeshSpec build() {
            return new MeshSpec(List.copyOf(services.values()), pods, config);
        }

        private void service(String name, String namespace, ServicePort port, Map<String, String> selector) {
            services.putIfAbsent(namespace + "/" + name, new MeshService(name, namespace, List.of(port), selector));
        }

        /** A service named after its app, one HTTP port straight to the same container port. */
        private void httpService(String app, int port) {
            service(app, "default", new ServicePort("http", port, port, "HTTP"), Map.of("app", app));
        }

        /** Kubernetes manifests: their Services as they are, each Deployment's replicas as echo pods. */
        void kubernetes(Scenario.Kubernetes k) {
            for (Scenario.KubeService svc : k.services()) {
                services.putIfAbsent(
                        svc.namespace() + "/" + svc.name(),
                        new MeshService(
                                svc.name(),
                                svc.namespace(),
                                svc.ports().stream()
                                        .map(p -> ServicePort.of(p.name(), p.port(), p.targetPort(), p.appProtocol()))
                                        .toList(),
                                svc.selector()));
            }
            for (Scenario.KubeDeployment d : k.deployments()) {
                Scenario.EchoVersion v = d.behaviour();
                for (int r = 0; r < d.replicas(); r++) {
                    EchoBehaviour b = new EchoBehaviour(
                            v.latency(), v.errorRate(), v.errorStatus(), v.failFirst(), (d.name() + r).hashCode());
                    pods.add(new PodSpec(
                            podName(d.name(), d.namespace(), r),
                            d.namespace(),
                            d.podLabels(),
                            d.containerPort(),
                            ctx -> TestApps.echo(ctx, b),
                            echoArgs(
                                    d.podLabels().getOrDefault("app", d.name()),
                                    d.podLabels().getOrDefault("version", "v1"),
                                    d.containerPort(),
                                    b),
                            d.serviceAccount(),
                            d.sidecar(),
                            d.proxyConfig()));
                }
            }
        }

        /** The user's own main class or jar, a child JVM per replica; the local backend only. */
        void javaApp(Scenario.JavaApp app) {
            httpService(app.service(), app.port());
            for (int r = 0; r < app.replicas(); r++) {
                pods.add(new PodSpec(
                        podName(app.service() + "-" + app.version(), r),
                        "default",
                        Map.of("app", app.service(), "version", app.version()),
                        app.port(),
                        ctx -> new ProcessWorkload(app, ctx),
                        new PodSpec.NotInContainers("java workload " + app.service()
                                + ": a JVM started from your classpath runs on the local backend only;"
                                + " on docker, build an image of it and use an image: workload")));
            }
        }

        /** The user's own image, a container per replica; the container backends only. */
        void imageApp(Scenario.ImageApp img) {
            httpService(img.service(), img.port());
            for (int r = 0; r < img.replicas(); r++) {
                pods.add(new PodSpec(
                        podName(img.service() + "-" + img.version(), r),
                        "default",
                        Map.of("app", img.service(), "version", img.version()),
                        img.port(),
                        null,
                        new PodSpec.ImageApp(img.image(), img.env())));
            }
        }

        /** MeshBox's echo app, per version as many replicas as asked, each with that version's latency and errors. */
        void echo(Scenario.Echo echo) {
            httpService(echo.service(), echo.port());
            echo.versions().forEach((version, v) -> {
                for (int r = 0; r < v.replicas(); r++) {
                    EchoBehaviour b = new EchoBehaviour(
                            v.latency(),
                            v.errorRate(),
                            v.errorStatus(),
                            v.failFirst(),
                            (echo.service() + version + r).hashCode());
                    pods.add(new PodSpec(
                            podName(echo.service() + "-" + version, r),
                            "default",
                            Map.of("app", echo.service(), "version", version),
                            echo.port(),
                            ctx -> TestApps.echo(ctx, b),
                            echoArgs(echo.service(), version, echo.port(), b)));
                }
            });
        }

        /** A gateway deployment of the user's: one pod with a gateway proxy and no app, and a Service of its name. */
        void gateway(dev.meshbox.scenarios.GatewayWorkload gw) {
            GatewayPods.add(gw, services, pods);
        }

        void builtin(Scenario.Builtin w) {
            int first = pods.size();
            builtinPods(w);
            WorkloadLocality.label(w, pods, first);
        }

        private void builtinPods(Scenario.Builtin w) {
            switch (w.name()) {
                case "bookinfo" -> bookinfo();
                case "httpbin" -> httpbin(w, "v1");
                case "httpbin-v2" -> httpbin(w, "v2");
                // Clients: a sidecar to send from, as Istio's sleep and fortio samples are used.
                case "sleep" -> client(w, "sleep", "sleep", 80);
                case "fortio" -> client(w, "fortio-deploy", "fortio", 8080);
                case "grpc-echo" -> grpcEcho(w);
                case "cnn" -> cnn(w);
                case "helloworld" ->
                    HelloworldPods.add(w, WorkloadLocality.versions(w, List.of("v1", "v2")), this::service, pods::add);
                case "helloworld-v1" -> HelloworldPods.add(w, List.of("v1"), this::service, pods::add);
                case "helloworld-v2" -> HelloworldPods.add(w, List.of("v2"), this::service, pods::add);
                case "tcp-echo" ->
                    TcpEchoWorkload.add(w, s -> services.putIfAbsent(s.namespace() + "/" + s.name(), s), pods::add);
                default -> throw new IllegalArgumentException("unknown workload " + w);
            }
        }

        /**
         * Istio's Bookinfo, as {@code platform/kube/bookinfo.yaml} deploys it (each app as its own service account,
         * {@code bookinfo-productpage}, ...), and its ingress Gateway.
         */
        private void bookinfo() {
            for (String s : List.of("details", "ratings", "reviews", "productpage")) {
                httpService(s, 9080);
            }
            pods.add(bookinfoPod("productpage", "v1"));
            pods.add(bookinfoPod("details", "v1"));
            pods.add(bookinfoPod("ratings", "v1"));
            pods.add(bookinfoPod("reviews", "v1"));
            pods.add(bookinfoPod("reviews", "v2"));
            pods.add(bookinfoPod("reviews", "v3"));
            // Istio's platform/kube/bookinfo-versions.yaml: a Service per version, which its Gateway API samples route
            // to.
            for (String v : List.of("v1", "v2", "v3")) {
                service("reviews-" + v, "default", ServicePort.http(9080), Map.of("app", "reviews", "version", v));
            }
            for (String s : List.of("productpage", "ratings", "details")) {
                service(s + "-v1", "default", ServicePort.http(9080), Map.of("app", s, "version", "v1"));
            }
            config.add("bookinfo-gateway.yaml");
        }

        /** Istio's samples/httpbin/httpbin.yaml: Service port 8000 to the container's 8080, service account httpbin. */
        private void httpbin(Scenario.Builtin w, String version) {
            service("httpbin", w.namespace(), new ServicePort("http", 8000, 8080, "HTTP"), Map.of("app", "httpbin"));
            pods.add(new PodSpec(
                    podName("httpbin-" + version, w.namespace(), 0),
                    w.namespace(),
                    Map.of("app", "httpbin", "version", version),
                    8080,
                    TestApps::httpbin,
                    new PodSpec.BuiltinApp(List.of("--service", "httpbin", "--version", version)),
                    BuiltinWorkloads.serviceAccount(w, "httpbin"),
                    w.sidecar()));
        }

        /**
         * The gRPC echo app, v1 and v2, behind Service {@code echo-grpc} port 7070 named {@code grpc}: Istio's protocol
         * selection makes its clusters HTTP/2.
         */
        private void grpcEcho(Scenario.Builtin w) {
            service(
                    "echo-grpc",
                    w.namespace(),
                    ServicePort.of("grpc", GRPC_ECHO_PORT, GRPC_ECHO_PORT, null),
                    Map.of("app", "echo-grpc"));
            for (String version : List.of("v1", "v2")) {
                pods.add(new PodSpec(
                        podName("echo-grpc-" + version, w.namespace(), 0),
                        w.namespace(),
                        Map.of("app", "echo-grpc", "version", version),
                        GRPC_ECHO_PORT,
                        TestApps::grpcEcho,
                        new PodSpec.BuiltinApp(List.of("--service", "echo-grpc", "--version", version, "--grpc-echo")),
                        BuiltinWorkloads.serviceAccount(w, "echo-grpc"),
                        w.sidecar()));
            }
        }

        /** The stand-in for edition.cnn.com: Service cnn port 80 to 8080, answering 301 to https. */
        private void cnn(Scenario.Builtin w) {
            service("cnn", w.namespace(), new ServicePort("http", 80, 8080, "HTTP"), Map.of("app", "cnn"));
            pods.add(new PodSpec(
                    podName("cnn", w.namespace(), 0),
                    w.namespace(),
                    Map.of("app", "cnn", "version", "v1"),
                    8080,
                    TestApps::cnn,
                    new PodSpec.BuiltinApp(List.of("--service", "cnn", "--version", "v1")),
                    BuiltinWorkloads.serviceAccount(w, "cnn"),
                    w.sidecar()));
        }

        /** A pod with no app, only a sidecar to send from (or, without a sidecar, a place to send from). */
        private void client(Scenario.Builtin w, String deployment, String app, int port) {
            pods.add(new PodSpec(
                    podName(deployment, w.namespace(), 0),
                    w.namespace(),
                    Map.of("app", app),
                    port,
                    null,
                    new PodSpec.NoApp(w.proxylessGrpc()),
                    BuiltinWorkloads.serviceAccount(w, app),
                    w.sidecar()));
        }
    }

    private static PodSpec bookinfoPod(String app, String version) {
        String deployment = app + "-" + version;
        return new PodSpec(
                podName(deployment, 0),
                "default",
                Map.of("app", app, "version", version),
                9080,
                BookinfoApps::create,
                new PodSpec.BuiltinApp(List.of("--service", app, "--version", version)),
                BuiltinWorkloads.serviceAccount(new Scenario.Builtin("bookinfo"), app),
                true);
    }

    /** The echo app's behaviour as {@code dev.meshbox.bookinfo.Main} arguments, for a container. */
    private static PodSpec.BuiltinApp echoArgs(String service, String version, int port, EchoBehaviour b) {
        return new PodSpec.BuiltinApp(List.of(
                "--service",
                service,
                "--version",
                version,
                "--echo",
                "--latency-ms",
                Long.toString(b.latency().toMillis()),
                "--error-rate",
                Double.toString(b.errorRate()),
                "--error-status",
                Integer.toString(b.errorStatus()),
                "--fail-first",
                Integer.toString(b.failFirst()),
                "--seed",
                Long.toString(b.seed())));
    }

    /**
     * A stable pod name in Kubernetes' shape for a Deployment in {@code namespace}: the same deployment in two
     * namespaces gets two names, so a pod name alone still says which one is meant.
     */
    public static String podName(String deployment, String namespace, int replica) {
        return namespace.equals(Scenario.Builtin.DEFAULT_NAMESPACE)
                ? podName(deployment, replica)
                : hashedName(deployment, deployment + "." + namespace + "#" + replica);
    }

    /** A stable pod name in Kubernetes' shape: deployment, replica-set hash, pod suffix. */
    static String podName(String deployment, int replica) {
        return hashedName(deployment, deployment + "#" + replica);
    }

    /**
     * The name pod {@code name} of a Deployment gets in another cluster: the same Deployment, another hash, as two
     * clusters' ReplicaSets name their pods.
     */
    static String podNameInCluster(String name, String cluster) {
        String deployment = name.replaceFirst("-[0-9a-f]{9}-[b-u]{5}$", "");
        return hashedName(deployment, name + "@" + cluster);
    }

    private static String hashedName(String deployment, String seed) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(seed.getBytes(StandardCharsets.UTF_8));
            String hex = HexFormat.of().formatHex(d);
            return deployment + "-" + hex.substring(0, 9) + "-" + alnum(hex.substring(9, 14));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String alnum(String hex) {
        StringBuilder sb = new StringBuilder();
        for (char c : hex.toCharArray()) {
            sb.append((char) ('b' + Character.digit(c, 16) % 20));
        }
        return sb.toString();
    }

    /** A config file bundled in the jar, e.g. {@code bookinfo-gateway.yaml}. */
    public static String bundled(String name) {
        return resource(name);
    }

    static String resource(String name) {
        try (var in = MeshSpec.class.getResourceAsStream("/dev/meshbox/launcher/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name + " in the launcher jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
