package dev.meshbox.launcher.kube;

import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.config.KubeGateway;
import dev.meshbox.controlplane.gatewayapi.GatewayApiConverter;
import dev.meshbox.controlplane.translate.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Istio's gateway deployment controller, in the cluster: for each Gateway API Gateway of class {@code istio} a
 * Deployment and a Service named {@code <name>-istio} in the Gateway's namespace (a MeshBox gateway proxy, its Service
 * on the listeners' ports, 80 to the pod's 8080 as for the ingress gateway); removed when the Gateway goes. Works from
 * the config store, so a Gateway applied with {@code kubectl} or through the mesh is deployed alike; the API calls run
 * on a thread of their own, never in the store's change listener.
 */
public final class KubeGatewayDeployments implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KubeGatewayDeployments.class);
    /** The label Istio's controller marks what it deployed with. */
    static final String MANAGED = "gateway.istio.io/managed";

    static final String MANAGED_VALUE = "istio.io-gateway-controller";

    private final KubernetesClient client;
    private final ConfigStore store;
    private final String image;
    private final String xds;
    private final ExecutorService loop = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "meshbox-gateway-deployments");
        t.setDaemon(true);
        return t;
    });

    /** @param image the gateway proxy's image; {@code xds} the ADS address it uses (istiod's Service) */
    public KubeGatewayDeployments(KubernetesClient client, ConfigStore store, String image, String xds) {
        this.client = client;
        this.store = store;
        this.image = image;
        this.xds = xds;
    }

    public KubeGatewayDeployments start() {
        store.onChange(s -> loop.execute(this::reconcileQuietly));
        loop.execute(this::reconcileQuietly);
        return this;
    }

    private void reconcileQuietly() {
        try {
            reconcile();
        } catch (KubernetesClientException e) {
            LOG.warn("gateway deployments: {}", e.getMessage());
        }
    }

    /** Makes the cluster's gateway Deployments and Services match the applied Gateways. */
    synchronized void reconcile() {
        Map<String, KubeGateway> wanted = new LinkedHashMap<>();
        for (KubeGateway gw : store.snapshot().all(KubeGateway.class)) {
            if (gw.gatewayClassName().equals(KubeGateway.ISTIO_CLASS)) {
                wanted.put(gw.meta().namespace() + "/" + gw.deploymentName(), gw);
            }
        }
        for (KubeGateway gw : wanted.values()) {
            client.apps()
                    .deployments()
                    .inNamespace(gw.meta().namespace())
                    .resource(deployment(gw))
                    .createOr(NonDeletingOperation::update);
            client.services()
                    .inNamespace(gw.meta().namespace())
                    .resource(service(gw))
                    .createOr(NonDeletingOperation::update);
        }
        for (Deployment d : client.apps()
                .deployments()
                .inAnyNamespace()
                .withLabel(MANAGED, MANAGED_VALUE)
                .list()
                .getItems()) {
            String key = d.getMetadata().getNamespace() + "/" + d.getMetadata().getName();
            if (!wanted.containsKey(key)) {
                client.apps().deployments().resource(d).delete();
                client.services()
                        .inNamespace(d.getMetadata().getNamespace())
                        .withName(d.getMetadata().getName())
                        .delete();
            }
        }
    }

    /** The labels of the Gateway's pods, as Istio's deployment template sets them. */
    static Map<String, String> podLabels(KubeGateway gw) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(GatewayApiConverter.GATEWAY_NAME_LABEL, gw.meta().name());
        labels.put("istio.io/gateway-name", gw.meta().name());
        labels.put("service.istio.io/canonical-name", gw.deploymentName());
        labels.put("sidecar.istio.io/inject", "false");
        return labels;
    }

    private static Set<Integer> targetPorts(KubeGateway gw) {
        Set<Integer> ports = new TreeSet<>();
        gw.listeners().forEach(l -> ports.add(Names.gatewayListenerPort(l.port())));
        return ports;
    }

    Deployment deployment(KubeGateway gw) {
        List<String> command = proxyCommand(gw.meta().namespace(), xds);
        podLabels(gw).forEach((k, v) -> command.addAll(List.of("--label", k + "=" + v)));
        List<ContainerPort> ports = new ArrayList<>();
        targetPorts(gw)
                .forEach(p -> ports.add(new ContainerPortBuilder()
                        .withName("http-" + p)
                        .withContainerPort(p)
                        .build()));
        Map<String, String> selector =
                Map.of(GatewayApiConverter.GATEWAY_NAME_LABEL, gw.meta().name());
        return new DeploymentBuilder()
                .withNewMetadata()
                .withName(gw.deploymentName())
                .withNamespace(gw.meta().namespace())
                .addToLabels(MANAGED, MANAGED_VALUE)
                .addToLabels(GatewayApiConverter.GATEWAY_NAME_LABEL, gw.meta().name())
                .endMetadata()
                .withNewSpec()
                .withReplicas(1)
                .withNewSelector()
                .withMatchLabels(selector)
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .withLabels(podLabels(gw))
                .endMetadata()
                .withNewSpec()
                .addToContainers(proxyContainer(image, command, ports))
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    static Service service(KubeGateway gw) {
        Map<Integer, ServicePort> ports = new LinkedHashMap<>();
        for (KubeGateway.Listener l : gw.listeners()) {
            ports.putIfAbsent(
                    l.port(),
                    new ServicePortBuilder()
                            .withName(l.name())
                            .withPort(l.port())
                            .withTargetPort(new IntOrString(Names.gatewayListenerPort(l.port())))
                            .build());
        }
        return new ServiceBuilder()
                .withNewMetadata()
                .withName(gw.deploymentName())
                .withNamespace(gw.meta().namespace())
                .addToLabels(MANAGED, MANAGED_VALUE)
                .addToLabels(GatewayApiConverter.GATEWAY_NAME_LABEL, gw.meta().name())
                .endMetadata()
                .withNewSpec()
                .withSelector(
                        Map.of(GatewayApiConverter.GATEWAY_NAME_LABEL, gw.meta().name()))
                .withPorts(List.copyOf(ports.values()))
                .endSpec()
                .build();
    }

    @Override
    public void close() {
        loop.shutdownNow();
        try {
            loop.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The gateway proxy's container as every gateway pod here runs it: MeshBox's proxy as {@code istio-proxy}, its pod
     * name and address from the downward API, ready when its 15021 says {@code /healthz/ready}. Shared by Gateway API
     * gateways, the user's gateway workloads and the east-west gateway.
     */
    static Container proxyContainer(String image, List<String> command, List<ContainerPort> ports) {
        return new ContainerBuilder()
                .withName("istio-proxy")
                .withImage(image)
                .withImagePullPolicy("IfNotPresent")
                .withCommand(command)
                .addNewEnv()
                .withName("POD_NAME")
                .withNewValueFrom()
                .withNewFieldRef()
                .withFieldPath("metadata.name")
                .endFieldRef()
                .endValueFrom()
                .endEnv()
                .addNewEnv()
                .withName("POD_IP")
                .withNewValueFrom()
                .withNewFieldRef()
                .withFieldPath("status.podIP")
                .endFieldRef()
                .endValueFrom()
                .endEnv()
                .withPorts(ports)
                .withNewReadinessProbe()
                .withNewHttpGet()
                .withPath("/healthz/ready")
                .withPort(new IntOrString(15021))
                .endHttpGet()
                .withPeriodSeconds(2)
                .endReadinessProbe()
                .build();
    }

    /**
     * The gateway proxy's command in a pod, its pod name and address from the downward API ({@code POD_NAME},
     * {@code POD_IP}); the caller adds its {@code --label}s and ports. Shared by Gateway API gateways and the user's
     * gateway workloads.
     */
    static List<String> proxyCommand(String namespace, String xds) {
        return new ArrayList<>(List.of(
                "java",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Xmx96m",
                "-cp",
                "/opt/meshbox/meshbox.jar",
                "dev.meshbox.proxy.Main",
                "--role",
                "gateway",
                "--pod",
                "$(POD_NAME)",
                "--namespace",
                namespace,
                "--ip",
                "$(POD_IP)",
                "--wildcard",
                "all",
                "--xds",
                xds));
    }
}
