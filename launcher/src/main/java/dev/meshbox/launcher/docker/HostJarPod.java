package dev.meshbox.launcher.docker;

import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import dev.meshbox.launcher.backend.PodSpec;
import dev.meshbox.launcher.docker.DockerMesh.StartedPod;
import dev.meshbox.launcher.docker.MeshNetwork.Container;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A pod without a sidecar whose app is a server jar from this machine ({@link PodSpec.HostJar}, e.g. Zipkin's): the
 * MeshBox image's {@code java} runs the jar mounted read-only, the container is on the mesh network under its
 * services' names (and their cluster names, as Kubernetes DNS gives them), and its port is also published on 127.0.0.1
 * so the user and the test runner reach it.
 */
final class HostJarPod {
    /** Where the jar is mounted in the container. */
    static final String JAR = "/opt/addon/server.jar";

    private HostJarPod() {}

    static StartedPod start(
            MeshNetwork network,
            String image,
            PodSpec ps,
            PodSpec.HostJar app,
            Map<String, String> labels,
            List<String> services,
            PrintStream progress) {
        if (!Files.isRegularFile(app.jar())) {
            throw new IllegalArgumentException("pod " + ps.name() + ": no jar " + app.jar() + " to run");
        }
        List<String> aliases = new ArrayList<>(services);
        services.forEach(s -> aliases.add(s + "." + ps.namespace() + ".svc.cluster.local"));
        String id = network.start(Container.of(image, network.containerName(ps.name()), network.labels("pod", labels))
                .withCommand(command(app))
                .withHost(network.attached()
                        .withBinds(new Bind(
                                app.jar().toAbsolutePath().toString(),
                                new Volume(JAR),
                                com.github.dockerjava.api.model.AccessMode.ro))
                        .withPortBindings(MeshNetwork.publish(ps.containerPort(), app.hostPort())))
                .exposing(ps.containerPort())
                .withAliases(aliases));
        String ip = network.ip(id);
        InetSocketAddress published = new InetSocketAddress("127.0.0.1", network.hostPort(id, ps.containerPort()));
        app.published().accept(published);
        progress.printf(
                "pod %-36s started %s (%s, no sidecar, port %d on 127.0.0.1:%d)%n",
                ps.name(), ps.appLabel(), ip, ps.containerPort(), published.getPort());
        return new StartedPod(ps, null, id, ip, null, false);
    }

    static List<String> command(PodSpec.HostJar app) {
        List<String> cmd = new ArrayList<>();
        cmd.add("java");
        cmd.addAll(app.jvmArgs());
        cmd.addAll(List.of("-jar", JAR));
        cmd.addAll(app.args());
        return cmd;
    }
}
