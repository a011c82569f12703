package dev.meshbox.launcher.kube;

import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.backend.PodSpec;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A mesh's workloads as Kubernetes objects: Bookinfo from the project's manifest ({@code kube/bookinfo.yaml}, Istio's
 * {@code bookinfo.yaml} with MeshBox's apps), every other pod group as a Deployment (replicas = its pods) running
 * MeshBox's app for it, and a Service per mesh service, each in its namespace; a ServiceAccount per service account
 * the pods run as (other than a namespace's {@code default}), named by the pod template's {@code serviceAccountName} as
 * Istio's samples do. No sidecars here: the namespace's injection label brings them, and a pod that runs without one
 * says {@code sidecar.istio.io/inject: "false"}.
 */
final class Workloads {

    /** The pod annotation that keeps the injection webhook away from a pod, as Istio's. */
    static final String NO_INJECTION = "sidecar.istio.io/inject";

    static final Set<String> BOOKINFO_APPS = Set.of("details", "ratings", "reviews", "productpage");
    private static final List<String> JVM = List.of(
            "java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx96m", "-cp", "/opt/meshbox/meshbox.jar");

    private Workloads() {}

    /** The objects, every one and every pod template labelled with the mesh id, so the mesh finds its own pods. */
    static List<HasMetadata> objects(KubernetesClient client, MeshSpec spec, String image, String meshId) {
        boolean bookinfo = spec.defaultConfigNames().contains("bookinfo-gateway.yaml");
        List<HasMetadata> out = new ArrayList<>();
        if (bookinfo) {
            String text = new ImageMap(image, false, Map.of())
                    .apply("kube/bookinfo.yaml", MeshSpec.bundled("kube/bookinfo.yaml"))
                    .yaml();
            for (HasMetadata o : client.load(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)))
                    .items()) {
                o.getMetadata().setNamespace(KubeMesh.WORKLOADS);
                out.add(o);
            }
        }
        for (MeshService s : spec.services()) {
            if (bookinfo && BOOKINFO_APPS.contains(s.name())) {
                continue;
            }
            List<io.fabric8.kubernetes.api.model.ServicePort> ports = new ArrayList<>();
            for (ServicePort p : s.ports()) {
                ports.add(new ServicePortBuilder()
                        .withName(p.name())
                        .withPort(p.port())
                        .withTargetPort(new IntOrString(p.targetPort()))
                        .build());
            }
            out.add(new ServiceBuilder()
                    .withNewMetadata()
                    .withName(s.name())
                    .withNamespace(s.namespace())
                    .addToLabels("app", s.name())
                    .addToLabels("service", s.name())
                    .endMetadata()
                    .withNewSpec()
                    .withSelector(s.selector())
                    .withPorts(ports)
                    .endSpec()
                    .build());
        }
        Set<String> accounts = new java.util.TreeSet<>();
        for (HasMetadata o : out) {
            if (o instanceof ServiceAccount sa) {
                accounts.add(
                        sa.getMetadata().getNamespace() + "/" + sa.getMetadata().getName());
            }
        }
        for (PodSpec p : spec.pods()) {
            if (!p.serviceAccount().equals("default")
                    && !(bookinfo && BOOKINFO_APPS.contains(p.appLabel()))
                    && accounts.add(p.namespace() + "/" + p.serviceAccount())) {
                out.add(new ServiceAccountBuilder()
                        .withNewMetadata()
                        .withName(p.serviceAccount())
                        .withNamespace(p.namespace())
                        .addToLabels("account", p.appLabel())
                        .endMetadata()
                        .build());
            }
        }
        Map<String, List<PodSpec>> groups = new LinkedHashMap<>();
        for (PodSpec p : spec.pods()) {
            if (bookinfo && BOOKINFO_APPS.contains(p.appLabel())) {
                continue;
            }
            // The same Deployment in two namespaces (httpbin in foo and in bar) is two Deployments.
            groups.computeIfAbsent(p.namespace() + "/" + deploymentName(p), k -> new ArrayList<>())
                    .add(p);
        }
        groups.forEach((key, pods) -> out.add(
                KubeGatewayWorkloads.isGateway(pods.get(0))
                        ? KubeGatewayWorkloads.deployment(spec, pods.get(0), image)
                        : deployment(deploymentName(pods.get(0)), pods, image)));
        for (HasMetadata o : out) {
            if (o.getMetadata().getLabels() == null) {
                o.getMetadata().setLabels(new java.util.LinkedHashMap<>());
            }
            o.getMetadata().getLabels().put(KubeMesh.MESH, meshId);
            if (o instanceof Deployment d) {
                // Not in the selector: Deployments select as Istio's files do; the pods carry the id as well.
                d.getSpec().getTemplate().getMetadata().getLabels().put(KubeMesh.MESH, meshId);
            }
        }
        return out;
    }

    /** The namespaces the workloads run in, {@code default} included where they do, in order of first use. */
    static List<String> namespaces(MeshSpec spec) {
        Set<String> out = new java.util.LinkedHashSet<>();
        spec.pods().forEach(p -> out.add(p.namespace()));
        spec.services().forEach(s -> out.add(s.namespace()));
        return List.copyOf(out);
    }

    /**
     * Whether a namespace gets {@code istio-injection=enabled}: when one of its pods has a sidecar, as Istio's tasks
     * label {@code foo} and {@code bar} but not {@code legacy}.
     */
    static boolean injected(MeshSpec spec, String namespace) {
        return spec.pods().stream()
                        .anyMatch(p ->
                                p.namespace().equals(namespace) && p.sidecar() && !KubeGatewayWorkloads.isGateway(p))
                || spec.pods().stream().noneMatch(p -> p.namespace().equals(namespace));
    }

    /** The Deployment a pod came from: its name without the replica-set hash and the pod suffix. */
    static String deploymentName(PodSpec p) {
        String[] parts = p.name().split("-");
        return parts.length > 2 ? String.join("-", List.of(parts).subList(0, parts.length - 2)) : p.name();
    }

    private static HasMetadata deployment(String name, List<PodSpec> pods, String image) {
        PodSpec first = pods.get(0);
        ContainerBuilder c = new ContainerBuilder().withName(first.appLabel()).withImagePullPolicy("IfNotPresent");
        List<EnvVar> env = new ArrayList<>(
                List.of(field("POD_NAME", "metadata.name"), field("POD_NAMESPACE", "metadata.namespace")));
        if (first.container() instanceof PodSpec.BuiltinApp b) {
            List<String> cmd = new ArrayList<>(JVM);
            cmd.add("dev.meshbox.bookinfo.Main");
            cmd.addAll(b.args());
            cmd.addAll(List.of("--pod", "$(POD_NAME)", "--namespace", "$(POD_NAMESPACE)", "--listen", listen(first)));
            c.withImage(image)
                    .withCommand(cmd)
                    .addNewPort()
                    .withContainerPort(first.containerPort())
                    .endPort();
        } else if (first.container() instanceof PodSpec.ImageApp u) {
            env.add(new EnvVarBuilder()
                    .withName("PORT")
                    .withValue(Integer.toString(first.containerPort()))
                    .build());
            env.add(new EnvVarBuilder()
                    .withName("MESHBOX_LISTEN")
                    .withValue(listen(first))
                    .build());
            if (first.sidecar()) {
                env.add(new EnvVarBuilder()
                        .withName("MESHBOX_CAPTURE")
                        .withValue("iptables")
                        .build());
            }
            u.env()
                    .forEach((k, v) ->
                            env.add(new EnvVarBuilder().withName(k).withValue(v).build()));
            c.withImage(u.image())
                    .addNewPort()
                    .withContainerPort(first.containerPort())
                    .endPort();
        } else {
            // A client pod (sleep, fortio): nothing to serve, only a sidecar (or, without one, a pod) to send from.
            c.withImage(image).withCommand("sleep", "1000000000");
        }
        c.withEnv(env);
        return new DeploymentBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(first.namespace())
                .addToLabels(first.labels())
                .endMetadata()
                .withNewSpec()
                .withReplicas(pods.size())
                .withNewSelector()
                .withMatchLabels(first.labels())
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .withLabels(first.labels())
                .withAnnotations(first.sidecar() ? Map.of() : Map.of(NO_INJECTION, "false"))
                .endMetadata()
                .withNewSpec()
                .withServiceAccountName(first.serviceAccount())
                .withContainers(c.build())
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    /** With a sidecar the app listens on the pod's localhost, behind it; without one, on the pod IP. */
    private static String listen(PodSpec p) {
        return (p.sidecar() ? "127.0.0.1:" : "0.0.0.0:") + p.containerPort();
    }

    private static EnvVar field(String name, String path) {
        return new EnvVarBuilder()
                .withName(name)
                .withNewValueFrom()
                .withNewFieldRef()
                .withFieldPath(path)
                .endFieldRef()
                .endValueFrom()
                .build();
    }
}
