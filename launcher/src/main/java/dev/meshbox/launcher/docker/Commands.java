package dev.meshbox.launcher.docker;

import dev.meshbox.launcher.admin.AdminServer;
import dev.meshbox.launcher.backend.PodSpec;
import dev.meshbox.launcher.image.AppImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/** The commands MeshBox's containers run: each a JVM from the one image, starting a control plane, a proxy or an app. */
final class Commands {

    /** Small, quick-starting JVMs: fourteen of them start at once in a Bookinfo mesh. */
    private static final List<String> JVM = List.of(
            "java",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-Xss512k",
            "-XX:+ExitOnOutOfMemoryError",
            "-XX:SharedArchiveFile=" + AppImage.CDS_ARCHIVE,
            "-Xlog:cds=off",
            "-Xlog:cds+dynamic=off");

    /** Where proxies find the control plane: its container's name on the mesh network. */
    static final String XDS = "istiod:15010";

    private Commands() {}

    /** istiod's place: ADS and the admin API, the registry read from the engine for this mesh's network. */
    static List<String> controlPlane(
            String meshId,
            String network,
            List<String> defaultConfigNames,
            dev.meshbox.controlplane.security.MeshConfigFile.Settings meshConfig) {
        List<String> cmd = jvm("-Xmx256m", "dev.meshbox.launcher.Main");
        cmd.addAll(List.of(
                "control-plane",
                "--mesh",
                meshId,
                "--network",
                network,
                "--xds",
                "0.0.0.0:15010",
                "--admin",
                "0.0.0.0:" + AdminServer.PORT));
        for (String name : defaultConfigNames) {
            cmd.addAll(List.of("--default-config", name));
        }
        if (!meshConfig.equals(dev.meshbox.controlplane.security.MeshConfigFile.Settings.DEFAULTS)) {
            cmd.addAll(
                    List.of("--mesh-config-yaml", dev.meshbox.controlplane.security.MeshConfigYaml.write(meshConfig)));
        }
        return cmd;
    }

    /**
     * A sidecar or the gateway.
     *
     * @param appPort the app's port its readiness probe checks, 0 for none
     */
    static List<String> proxy(
            String role, String pod, String namespace, Map<String, String> labels, int appPort, OptionalLong seed) {
        List<String> cmd = jvm("-Xmx96m", "dev.meshbox.proxy.Main");
        cmd.addAll(List.of("--role", role, "--pod", pod, "--namespace", namespace, "--xds", XDS));
        labels.forEach((k, v) -> cmd.addAll(List.of("--label", k + "=" + v)));
        if (appPort > 0) {
            cmd.addAll(List.of("--app-probe", "127.0.0.1:" + appPort));
        }
        seed.ifPresent(s -> cmd.addAll(List.of("--seed", Long.toString(s))));
        return cmd;
    }

    /** {@code proxy} with the pod's ProxyConfig JSON ({@code proxy.istio.io/config}) when it has one. */
    static List<String> withProxyConfig(List<String> proxy, String proxyConfig) {
        if (proxyConfig != null && !proxyConfig.isEmpty()) {
            proxy.addAll(List.of("--proxy-config", proxyConfig));
        }
        return proxy;
    }

    /** One of MeshBox's apps, listening on the pod's localhost and calling out through its sidecar at {@code podIp}. */
    static List<String> builtinApp(PodSpec pod, PodSpec.BuiltinApp app, String podIp) {
        List<String> cmd = jvm("-Xmx96m", "dev.meshbox.bookinfo.Main");
        cmd.addAll(app.args());
        cmd.addAll(List.of(
                "--pod",
                pod.name(),
                "--namespace",
                pod.namespace(),
                "--listen",
                "127.0.0.1:" + pod.containerPort(),
                "--proxy",
                podIp + ":15001"));
        return cmd;
    }

    /** One of MeshBox's apps in a pod without a sidecar: it listens on the pod IP itself, as an uninjected pod does. */
    static List<String> builtinAppWithoutSidecar(PodSpec pod, PodSpec.BuiltinApp app) {
        List<String> cmd = jvm("-Xmx96m", "dev.meshbox.bookinfo.Main");
        cmd.addAll(app.args());
        cmd.addAll(List.of(
                "--pod", pod.name(), "--namespace", pod.namespace(), "--listen", "0.0.0.0:" + pod.containerPort()));
        return cmd;
    }

    /** The environment of a user's image in a pod without a sidecar: where to listen, and no proxy to call through. */
    static List<String> imageAppEnvWithoutSidecar(PodSpec pod, PodSpec.ImageApp app) {
        List<String> env = new ArrayList<>();
        env.add("PORT=" + pod.containerPort());
        env.add("MESHBOX_LISTEN=0.0.0.0:" + pod.containerPort());
        app.env().forEach((k, v) -> env.add(k + "=" + v));
        return env;
    }

    /** A client pod without a sidecar has nothing to run: a JVM that only waits keeps the pod (and its IP) there. */
    static List<String> pause() {
        return jvm("-Xmx32m", Pause.class.getName());
    }

    /** The environment of a user's image: where to listen, and its sidecar as HTTP proxy unless traffic is captured. */
    static List<String> imageAppEnv(PodSpec pod, PodSpec.ImageApp app, String podIp, boolean captured) {
        List<String> env = new ArrayList<>();
        env.add("PORT=" + pod.containerPort());
        env.add("MESHBOX_LISTEN=127.0.0.1:" + pod.containerPort());
        if (captured) {
            env.add("MESHBOX_CAPTURE=iptables");
        } else {
            env.add("HTTP_PROXY=http://" + podIp + ":15001");
            env.add("http_proxy=http://" + podIp + ":15001");
            env.add("NO_PROXY=127.0.0.1,localhost");
        }
        app.env().forEach((k, v) -> env.add(k + "=" + v));
        return env;
    }

    private static List<String> jvm(String heap, String mainClass) {
        List<String> cmd = new ArrayList<>(JVM);
        cmd.addAll(List.of(heap, "-cp", AppImage.JAR, mainClass));
        return cmd;
    }
}
