package dev.meshbox.launcher.backend;

import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.config.KubeGateway;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.proxy.Proxy;
import java.io.PrintStream;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;

/**
 * Istio's automated deployment for Gateway API Gateways, in the local backend: a Gateway of class {@code istio} gets
 * a gateway pod and a Service named {@code <name>-istio} in its namespace, the Service listening on the listeners'
 * ports. As the project's ingress gateway does, the pod listens on unprivileged ports (80 on 8080, 443 on 8443) and the
 * Service maps the listener port to them, so nothing needs root. A deleted Gateway's pod and Service go away.
 */
final class LocalGatewayDeployments {

    /** Pod addresses {@code FIRST_IP..FIRST_IP + MAX - 1} of the mesh's block are for these gateways. */
    private static final int FIRST_IP = 200;

    private static final int MAX = 40;

    /**
     * The address handed out last. Addresses go round rather than back to the lowest free one: a gateway deleted a
     * moment ago may still hold its ports while it closes, and a new one on its address would share them.
     */
    private int lastIp = FIRST_IP - 1;

    private record Running(KubeGateway gateway, Pod pod, Proxy proxy, int ip) {}

    private final ControlPlane controlPlane;
    private final Subnet subnet;
    private final BiFunction<Pod, InetAddress, Proxy> startProxy;
    private final PrintStream progress;
    /** Adds what every pod of the mesh carries (a cluster's topology labels), or nothing. */
    private final java.util.function.UnaryOperator<Map<String, String>> podLabels;

    private final Map<String, Running> running = new LinkedHashMap<>();

    LocalGatewayDeployments(
            ControlPlane controlPlane,
            Subnet subnet,
            BiFunction<Pod, InetAddress, Proxy> startProxy,
            PrintStream progress) {
        this(controlPlane, subnet, startProxy, progress, labels -> labels);
    }

    LocalGatewayDeployments(
            ControlPlane controlPlane,
            Subnet subnet,
            BiFunction<Pod, InetAddress, Proxy> startProxy,
            PrintStream progress,
            java.util.function.UnaryOperator<Map<String, String>> podLabels) {
        this.controlPlane = controlPlane;
        this.subnet = subnet;
        this.startProxy = startProxy;
        this.progress = progress;
        this.podLabels = podLabels;
    }

    /** Deploys what the applied Gateways need and removes what they no longer do; returns once new pods are ready. */
    synchronized void sync() {
        Map<String, KubeGateway> deployed = new LinkedHashMap<>();
        running.forEach((key, r) -> deployed.put(key, r.gateway()));
        GatewayDeployments.Diff diff = GatewayDeployments.diff(
                deployed, controlPlane.config().snapshot().all(KubeGateway.class));
        for (String key : diff.removed()) {
            Running r = running.remove(key);
            controlPlane.registry().removePod(r.pod().namespace(), r.pod().name());
            controlPlane
                    .registry()
                    .removeService(r.pod().namespace(), r.gateway().deploymentName());
            r.proxy().close();
        }
        for (KubeGateway gw : diff.changed()) {
            Running r = running.get(GatewayDeployments.key(gw));
            controlPlane.registry().putService(GatewayDeployments.service(gw));
            running.put(GatewayDeployments.key(gw), new Running(gw, r.pod(), r.proxy(), r.ip()));
        }
        for (KubeGateway gw : diff.added()) {
            running.put(GatewayDeployments.key(gw), deploy(gw));
        }
    }

    private Running deploy(KubeGateway gw) {
        int ip = freeIp();
        InetAddress address = subnet.podIp(ip);
        Pod pod = new Pod(
                GatewayDeployments.podName(gw),
                gw.meta().namespace(),
                address.getHostAddress(),
                address.getHostAddress(),
                podLabels.apply(GatewayDeployments.labels(gw)),
                Pod.ProxyKind.GATEWAY,
                false);
        Proxy proxy = startProxy.apply(pod, address);
        controlPlane.registry().putAll(List.of(GatewayDeployments.service(gw)), List.of(pod));
        try {
            proxy.ready().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while deploying " + gw.deploymentName(), ex);
        } catch (ExecutionException | TimeoutException ex) {
            proxy.close();
            controlPlane.registry().removePod(pod.namespace(), pod.name());
            throw new IllegalStateException(
                    "the gateway " + gw.deploymentName() + " did not get its config within 10 s: " + ex, ex);
        }
        Pod ready = pod.withReady(true);
        controlPlane.registry().putPod(ready);
        progress.printf(
                "pod %-36s ready  gateway %s on %s:%s%n",
                pod.name(),
                gw.meta().name(),
                pod.ip(),
                String.join(
                        ",",
                        GatewayDeployments.service(gw).ports().stream()
                                .map(p -> Integer.toString(p.targetPort()))
                                .toList()));
        return new Running(gw, ready, proxy, ip);
    }

    private int freeIp() {
        TreeSet<Integer> used = new TreeSet<>();
        running.values().forEach(r -> used.add(r.ip()));
        for (int k = 1; k <= MAX; k++) {
            int i = FIRST_IP + (lastIp - FIRST_IP + k) % MAX;
            if (!used.contains(i)) {
                lastIp = i;
                return i;
            }
        }
        throw new IllegalStateException("more than " + MAX + " Gateways in one local mesh");
    }

    /** The address of a deployed Gateway's pod and its first listener's port. */
    synchronized java.util.Optional<java.net.InetSocketAddress> address(String namespace, String name) {
        Running r = running.get(namespace + "/" + name);
        if (r == null) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new java.net.InetSocketAddress(
                r.pod().ip(),
                GatewayDeployments.service(r.gateway()).ports().get(0).targetPort()));
    }
}
