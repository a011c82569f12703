package dev.meshbox.launcher.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Ports;
import dev.meshbox.controlplane.registry.docker.DockerRegistry;
import dev.meshbox.launcher.engine.Labels;
import dev.meshbox.launcher.lifecycle.CleanupStack;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One Docker mesh's network and the containers on it. Everything is labelled with the mesh id and this process as
 * owner (so the next run's janitor can tell a killed run's debris), and its removal is pushed on the mesh's clean-up
 * stack the moment it exists.
 */
final class MeshNetwork {

    /** A container to start: its image and name, then what {@code with*} adds. */
    record Container(
            String image,
            String name,
            Map<String, String> labels,
            List<String> command,
            HostConfig host,
            List<String> env,
            List<ExposedPort> exposed,
            List<String> aliases) {

        static Container of(String image, String name, Map<String, String> labels) {
            return new Container(
                    image, name, labels, null, HostConfig.newHostConfig(), List.of(), List.of(), List.of());
        }

        /** Replaces the image's command; without one, the image's own runs. */
        Container withCommand(List<String> command) {
            return new Container(image, name, labels, command, host, env, exposed, aliases);
        }

        Container withHost(HostConfig host) {
            return new Container(image, name, labels, command, host, env, exposed, aliases);
        }

        Container withEnv(List<String> env) {
            return new Container(image, name, labels, command, host, env, exposed, aliases);
        }

        Container exposing(int port) {
            return exposing(List.of(port));
        }

        Container exposing(List<Integer> ports) {
            return new Container(
                    image,
                    name,
                    labels,
                    command,
                    host,
                    env,
                    ports.stream().map(ExposedPort::tcp).toList(),
                    aliases);
        }

        /** Names other containers on the network reach it by (a service's name, as Kubernetes DNS gives it). */
        Container withAliases(List<String> aliases) {
            return new Container(image, name, labels, command, host, env, exposed, aliases);
        }
    }

    private final DockerClient docker;
    private final String meshId;
    private final String network;
    private final CleanupStack cleanup;

    MeshNetwork(DockerClient docker, String meshId, CleanupStack cleanup) {
        this.docker = docker;
        this.meshId = meshId;
        this.network = nameOf(meshId);
        this.cleanup = cleanup;
    }

    String name() {
        return network;
    }

    /** The Docker network of mesh {@code meshId}. */
    static String nameOf(String meshId) {
        return "meshbox-" + meshId;
    }

    /** A container's name on this mesh, e.g. {@code meshbox-1a2b3c-istiod}. */
    String containerName(String suffix) {
        return network + "-" + suffix;
    }

    /** The labels of a resource of this mesh: {@code extra}, ownership, and the mesh id. */
    Map<String, String> labels(String kind, Map<String, String> extra) {
        Map<String, String> labels = new LinkedHashMap<>(extra);
        labels.putAll(Labels.owned(kind));
        labels.put(DockerRegistry.MESH, meshId);
        return labels;
    }

    void create() {
        String id = docker.createNetworkCmd()
                .withName(network)
                .withDriver("bridge")
                .withLabels(labels("network", Map.of()))
                .exec()
                .getId();
        cleanup.push("network " + network, () -> {
            try {
                docker.removeNetworkCmd(id).exec();
            } catch (NotFoundException gone) {
                // removed already
            }
        });
    }

    /** A host config on this network. */
    HostConfig attached() {
        return HostConfig.newHostConfig().withNetworkMode(network);
    }

    /** A host config in another container's network namespace, as a pod's containers share one. */
    static HostConfig joining(String containerId) {
        return HostConfig.newHostConfig().withNetworkMode("container:" + containerId);
    }

    /** Publishes {@code containerPort} on 127.0.0.1, on {@code hostPort} or a free port when it is 0. */
    static Ports publish(int containerPort, int hostPort) {
        Ports ports = new Ports();
        ports.bind(
                ExposedPort.tcp(containerPort),
                hostPort == 0 ? Ports.Binding.bindIp("127.0.0.1") : Ports.Binding.bindIpAndPort("127.0.0.1", hostPort));
        return ports;
    }

    /**
     * Publishes each of {@code containerPorts} on 127.0.0.1: on its port in {@code fixed} when given there (0 or
     * absent: a free port).
     */
    static Ports publish(List<Integer> containerPorts, Map<Integer, Integer> fixed) {
        Ports ports = new Ports();
        for (int p : containerPorts) {
            int hostPort = fixed.getOrDefault(p, 0);
            ports.bind(
                    ExposedPort.tcp(p),
                    hostPort == 0
                            ? Ports.Binding.bindIp("127.0.0.1")
                            : Ports.Binding.bindIpAndPort("127.0.0.1", hostPort));
        }
        return ports;
    }

    /** Every published port of a container: container port to its host port on 127.0.0.1. */
    Map<Integer, Integer> hostPorts(String container) {
        InspectContainerResponse r = docker.inspectContainerCmd(container).exec();
        Map<Integer, Integer> out = new LinkedHashMap<>();
        r.getNetworkSettings().getPorts().getBindings().forEach((exposed, bindings) -> {
            if (bindings != null && bindings.length > 0) {
                out.put(exposed.getPort(), Integer.parseInt(bindings[0].getHostPortSpec()));
            }
        });
        return out;
    }

    /** Creates and starts a container; returns its id. */
    String start(Container c) {
        CreateContainerCmd create = docker.createContainerCmd(c.image())
                .withName(c.name())
                .withLabels(c.labels())
                .withHostConfig(c.host())
                .withEnv(c.env());
        if ("sidecar".equals(c.labels().get(DockerRegistry.ROLE))) {
            create.withUser(TrafficCapture.PROXY_UID);
        }
        if (c.command() != null) {
            create.withCmd(c.command());
        }
        if (!c.exposed().isEmpty()) {
            create.withExposedPorts(c.exposed());
        }
        if (!c.aliases().isEmpty()) {
            create.withAliases(c.aliases());
        }
        String id;
        try {
            id = create.exec().getId();
        } catch (NotFoundException e) {
            throw new IllegalStateException(
                    "cannot create container " + c.name() + ": image " + c.image() + " is not in the engine"
                            + " (build it, or pull it where a registry is reachable): " + e.getMessage(),
                    e);
        }
        cleanup.push("container " + c.name(), () -> remove(id));
        try {
            docker.startContainerCmd(id).exec();
        } catch (DockerException e) {
            throw new IllegalStateException(
                    "cannot start container " + c.name() + ": " + e.getMessage().strip(), e);
        }
        return id;
    }

    /** Removes a container (stopping it first); one already gone is no error. */
    void remove(String id) {
        try {
            docker.removeContainerCmd(id)
                    .withForce(true)
                    .withRemoveVolumes(true)
                    .exec();
        } catch (NotFoundException gone) {
            // removed already
        }
    }

    /** The container's IP on this network. */
    String ip(String container) {
        return docker.inspectContainerCmd(container)
                .exec()
                .getNetworkSettings()
                .getNetworks()
                .get(network)
                .getIpAddress();
    }

    /** The host port (on 127.0.0.1) a container's port is published on. */
    int hostPort(String container, int containerPort) {
        InspectContainerResponse r = docker.inspectContainerCmd(container).exec();
        Ports.Binding[] b = r.getNetworkSettings().getPorts().getBindings().get(ExposedPort.tcp(containerPort));
        if (b == null || b.length == 0) {
            throw new IllegalStateException("container " + r.getName() + " has no host port for " + containerPort);
        }
        return Integer.parseInt(b[0].getHostPortSpec());
    }
}
