package dev.meshbox.launcher.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import dev.meshbox.launcher.engine.DockerEngine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Transparent outbound capture, as Istio's init container does it: a short-lived container with NET_ADMIN joins the
 * pod's network namespace and installs nat rules sending every TCP connection the app opens to its sidecar's
 * outbound listener, except the sidecar's own (it runs as uid 1337), loopback, and the pod's own address. The app
 * then calls {@code http://reviews:9080} with no proxy settings at all. Inbound needs no rule: the sidecar owns the
 * service ports on the pod IP and the app listens on the pod's localhost.
 */
public final class TrafficCapture {

    /** The sidecar's user, whose connections are never captured (Istio's 1337). */
    static final String PROXY_UID = "1337";
    /** {@code -Dmeshbox.docker.capture=explicit} turns capture off: apps are pointed at their sidecar only. */
    static final String PROPERTY = "meshbox.docker.capture";

    private TrafficCapture() {}

    static boolean wanted() {
        return !"explicit"
                .equalsIgnoreCase(System.getProperty(PROPERTY, "iptables").trim());
    }

    /** The rules for a pod, in iptables-restore's format, added to (not replacing) Docker's own DNS rules. */
    static String rules(String podIp) {
        return rules(podIp, PROXY_UID);
    }

    /** The rules for a pod whose proxy runs as {@code proxyUid}. */
    public static String rules(String podIp, String proxyUid) {
        return String.join(
                "\n",
                "*nat",
                ":MESHBOX_OUTPUT - [0:0]",
                "-A OUTPUT -p tcp -j MESHBOX_OUTPUT",
                "-A MESHBOX_OUTPUT -m owner --uid-owner " + proxyUid + " -j RETURN",
                "-A MESHBOX_OUTPUT -d 127.0.0.0/8 -j RETURN",
                "-A MESHBOX_OUTPUT -d " + podIp + "/32 -j RETURN",
                "-A MESHBOX_OUTPUT -p tcp -j DNAT --to-destination " + podIp + ":15001",
                "COMMIT",
                "");
    }

    /**
     * Runs the init container in the sidecar's network namespace; empty when the rules are in place, else why not
     * (no iptables in the image, no NET_ADMIN, a kernel without nat): the caller then points the app at its sidecar.
     */
    static Optional<String> install(
            DockerClient docker,
            String image,
            String name,
            Map<String, String> labels,
            String sidecarId,
            String podIp) {
        String id = null;
        try {
            id = docker.createContainerCmd(image)
                    .withName(name)
                    .withLabels(labels)
                    .withUser("0")
                    .withCmd("iptables-restore", "--noflush", "/etc/meshbox/capture.rules")
                    .withHostConfig(HostConfig.newHostConfig()
                            .withNetworkMode("container:" + sidecarId)
                            .withCapAdd(Capability.NET_ADMIN, Capability.NET_RAW))
                    .exec()
                    .getId();
            docker.copyArchiveToContainerCmd(id)
                    .withRemotePath("/")
                    .withTarInputStream(new ByteArrayInputStream(tar(rules(podIp))))
                    .exec();
            docker.startContainerCmd(id).exec();
            Integer code = docker.waitContainerCmd(id)
                    .exec(new WaitContainerResultCallback())
                    .awaitStatusCode(30, TimeUnit.SECONDS);
            if (code == null || code != 0) {
                return Optional.of("iptables-restore exited " + code + ": "
                        + DeathWatch.logTail(docker, id).strip());
            }
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.of(DockerEngine.cause(e));
        } finally {
            if (id != null) {
                try {
                    docker.removeContainerCmd(id).withForce(true).exec();
                } catch (RuntimeException ignored) {
                    // removed with the mesh's other containers at the latest
                }
            }
        }
    }

    private static byte[] tar(String rules) {
        byte[] content = rules.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            TarArchiveEntry dir = new TarArchiveEntry("etc/meshbox/");
            tar.putArchiveEntry(dir);
            tar.closeArchiveEntry();
            TarArchiveEntry file = new TarArchiveEntry("etc/meshbox/capture.rules");
            file.setSize(content.length);
            file.setMode(0644);
            tar.putArchiveEntry(file);
            tar.write(content);
            tar.closeArchiveEntry();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }
}
