package dev.meshbox.launcher.kube;

import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.backend.PodSpec;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A user's gateway workload on Kubernetes ({@code {gateway: {...}}} in a scenario, {@code up --gateway},
 * {@code @MeshTest(gateways=)}), as Istio's gateway chart deploys one: a Deployment of the gateway's name running
 * MeshBox's gateway proxy (the ingress gateway's image and command) with the user's labels, its pod annotated
 * {@code inject.istio.io/templates: gateway} as the chart's pods are, so the control plane's registry takes it for a
 * gateway; its Service (ports named as the chart names them, 80 to 8080 and 443 to 8443) is the mesh's Service of that
 * name ({@link Workloads}), of the type the mesh's ingress Service has (ClusterIP, reached through port-forwards).
 */
final class KubeGatewayWorkloads {

    /** The pod annotation Istio's gateway chart sets: the injector's gateway template, a proxy in the router role. */
    static final String TEMPLATES = "inject.istio.io/templates";

    private KubeGatewayWorkloads() {}

    static boolean isGateway(PodSpec p) {
        return p.container() instanceof PodSpec.GatewayProxy;
    }

    /** The ports the gateway's pod listens on: its Service's target ports (the first is where {@code from:} enters). */
    static List<Integer> listenerPorts(MeshSpec spec, PodSpec pod) {
        Set<Integer> out = new TreeSet<>();
        service(spec, pod).ifPresent(s -> s.ports().forEach(p -> out.add(p.targetPort())));
        out.add(pod.containerPort());
        return List.copyOf(out);
    }

    private static Optional<MeshService> service(MeshSpec spec, PodSpec pod) {
        String name = Workloads.deploymentName(pod);
        return spec.services().stream()
                .filter(s -> s.namespace().equals(pod.namespace()) && s.name().equals(name))
                .findFirst();
    }

    static Deployment deployment(MeshSpec spec, PodSpec pod, String image) {
        String name = Workloads.deploymentName(pod);
        List<String> command =
                KubeGatewayDeployments.proxyCommand(pod.namespace(), "istiod." + KubeMesh.SYSTEM + ".svc:15010");
        pod.labels().forEach((k, v) -> command.addAll(List.of("--label", k + "=" + v)));
        Map<String, String> portNames = new LinkedHashMap<>();
        service(spec, pod).ifPresent(s -> {
            for (ServicePort p : s.ports()) {
                portNames.putIfAbsent(Integer.toString(p.targetPort()), p.name());
            }
        });
        List<ContainerPort> ports = new ArrayList<>();
        for (int p : listenerPorts(spec, pod)) {
            String portName = portNames.getOrDefault(Integer.toString(p), "http-" + p);
            ports.add(new ContainerPortBuilder()
                    .withName(portName.length() > 15 ? null : portName)
                    .withContainerPort(p)
                    .build());
        }
        Map<String, String> podLabels = new LinkedHashMap<>(pod.labels());
        // The proxy is the pod's only container: the injection webhook leaves it alone, as it does the ingress gateway.
        podLabels.put(Workloads.NO_INJECTION, "false");
        return new DeploymentBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(pod.namespace())
                .addToLabels(pod.labels())
                .endMetadata()
                .withNewSpec()
                .withReplicas(1)
                .withNewSelector()
                .withMatchLabels(selector(spec, pod))
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .withLabels(podLabels)
                .withAnnotations(Map.of(TEMPLATES, "gateway"))
                .endMetadata()
                .withNewSpec()
                .withServiceAccountName(pod.serviceAccount())
                .withNewSecurityContext()
                .addNewSysctl()
                .withName("net.ipv4.ip_unprivileged_port_start")
                .withValue("0")
                .endSysctl()
                .endSecurityContext()
                .addToContainers(KubeGatewayDeployments.proxyContainer(image, command, ports))
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    /** The Deployment selects as its Service does: the user's labels (the chart's selector is its labels too). */
    private static Map<String, String> selector(MeshSpec spec, PodSpec pod) {
        return service(spec, pod)
                .map(MeshService::selector)
                .filter(s -> !s.isEmpty())
                .orElse(pod.labels());
    }
}
