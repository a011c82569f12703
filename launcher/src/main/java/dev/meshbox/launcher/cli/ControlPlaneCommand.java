package dev.meshbox.launcher.cli;

import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.registry.docker.DockerApi;
import dev.meshbox.controlplane.registry.docker.DockerRegistry;
import dev.meshbox.launcher.admin.AdminServer;
import dev.meshbox.launcher.backend.MeshControl;
import dev.meshbox.launcher.backend.MeshSpec;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code meshbox control-plane}: the control plane on its own, as the Docker backend runs it in a container (istiod's
 * place): ADS for the proxies, the admin API, and the service registry read from the Docker engine. Not for users
 * to call by hand, hence hidden.
 */
@Command(name = "control-plane", hidden = true, mixinStandardHelpOptions = true,
        description = "Run the control plane alone, its registry fed by a Docker engine (the docker backend's istiod).")
public final class ControlPlaneCommand implements Callable<Integer> {

    @CommandLine.Option(names = "--mesh", required = true, description = "The mesh id: containers labelled dev.meshbox.mesh=ID are its pods.")
    String meshId;

    @CommandLine.Option(names = "--network", required = true, description = "The mesh's Docker network (pod IPs and aliases are read on it).")
    String network;

    @CommandLine.Option(names = "--xds", defaultValue = "127.0.0.1:15010", description = "Where ADS listens (default: ${DEFAULT-VALUE}).")
    String xds;

    @CommandLine.Option(names = "--admin", defaultValue = "127.0.0.1:15014", description = "Where the admin API listens (default: ${DEFAULT-VALUE}).")
    String admin;

    @CommandLine.Option(names = "--default-config", paramLabel = "NAME", description = "A bundled config applied at start and kept by reset, e.g. bookinfo-gateway.yaml.")
    List<String> defaultConfig = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        InetSocketAddress xdsBind = address("--xds", xds);
        InetSocketAddress adminBind = address("--admin", admin);
        ControlPlane controlPlane = new ControlPlane();
        controlPlane.start(xdsBind);
        MeshControl control = new MeshControl(controlPlane);
        for (String name : defaultConfig) {
            control.applyDefaults(List.of(MeshSpec.bundled(name)), name);
        }
        DockerRegistry registry = new DockerRegistry(DockerApi.of(System.getenv("DOCKER_HOST")), meshId, network, controlPlane.registry());
        try {
            registry.start();
        } catch (java.io.IOException e) {
            controlPlane.close();
            spec.commandLine().getErr().println("error: cannot read the Docker engine for the registry: " + e.getMessage()
                    + " (the control plane needs the engine's socket mounted, or DOCKER_HOST)");
            return 1;
        }
        AdminServer server = new AdminServer(control, adminBind.getHostString(), adminBind.getPort());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            registry.close();
            controlPlane.close();
            stopped.countDown();
        }, "control-plane-shutdown"));
        System.out.printf("control plane: mesh %s, network %s, xDS on %s, admin on %s%n", meshId, network, xds, admin);
        stopped.await();
        return 0;
    }

    private InetSocketAddress address(String option, String value) {
        int colon = value.lastIndexOf(':');
        try {
            return new InetSocketAddress(value.substring(0, colon), Integer.parseInt(value.substring(colon + 1)));
        } catch (RuntimeException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " " + value + ": expected HOST:PORT, e.g. 0.0.0.0:15010");
        }
    }
}
