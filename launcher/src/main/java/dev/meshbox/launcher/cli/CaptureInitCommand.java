package dev.meshbox.launcher.cli;

import dev.meshbox.launcher.docker.TrafficCapture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code meshbox capture-init}: what the injected {@code istio-init} container runs in a Kubernetes pod: installs the
 * nat rules that send the app's outbound TCP connections to its sidecar (see {@code TrafficCapture}), then exits.
 */
@Command(
        name = "capture-init",
        hidden = true,
        description = "Install the pod's capture rules (the injected istio-init container).")
public final class CaptureInitCommand implements Callable<Integer> {

    @CommandLine.Option(
            names = "--pod-ip",
            required = true,
            description = "The pod IP (the downward API's status.podIP).")
    String podIp;

    @CommandLine.Option(
            names = "--proxy-uid",
            defaultValue = "1337",
            description = "The sidecar's uid, whose connections are exempt.")
    String proxyUid;

    @Override
    public Integer call() throws Exception {
        if (!podIp.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            System.err.println("capture-init: --pod-ip " + podIp + ": expected an IPv4 address");
            return 2;
        }
        Path rules = Files.createTempFile("capture-", ".rules");
        Files.writeString(rules, TrafficCapture.rules(podIp, proxyUid), StandardCharsets.UTF_8);
        Process p = new ProcessBuilder("iptables-restore", "--noflush", rules.toString())
                .inheritIO()
                .start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            System.err.println("capture-init: iptables-restore did not finish within 30 s");
            return 1;
        }
        System.out.println("capture-init: "
                + (p.exitValue() == 0
                        ? "outbound TCP of the pod goes to " + podIp + ":15001"
                        : "iptables-restore failed"));
        return p.exitValue() == 0 ? 0 : 1;
    }
}
