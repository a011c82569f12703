package dev.meshbox.launcher.cli;

import dev.meshbox.controlplane.kubernetes.SidecarInjector;
import dev.meshbox.launcher.kube.ImageMap;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code meshbox kube-inject -f deployment.yaml}: the manifest with MeshBox's sidecar added, as {@code istioctl kube-inject}. */
@Command(
        name = "kube-inject",
        mixinStandardHelpOptions = true,
        description =
                "Print Kubernetes YAML with MeshBox's sidecar (istio-init + istio-proxy) added to every workload, as istioctl kube-inject does.")
public final class KubeInjectCommand implements Callable<Integer> {

    @CommandLine.Option(
            names = {"-f", "--filename"},
            required = true,
            paramLabel = "FILE",
            description = "The manifest; - reads standard input.")
    String file;

    @CommandLine.Option(
            names = "--image",
            defaultValue = "meshbox/meshbox:latest",
            description = "The MeshBox image the injected containers run (default: ${DEFAULT-VALUE}).")
    String image;

    @CommandLine.Option(
            names = "--xds",
            defaultValue = "istiod.istio-system.svc:15010",
            description = "The control plane's ADS address (default: ${DEFAULT-VALUE}).")
    String xds;

    @CommandLine.Option(
            names = "--image-map",
            paramLabel = "istio|FROM=TO",
            description =
                    "Swap images first: istio runs Istio's sample images (Bookinfo, httpbin, curl) as MeshBox's apps from --image;"
                            + " FROM=TO swaps an image (or a prefix ending in /) for another. Repeatable.")
    List<String> imageMap = new ArrayList<>();

    @CommandLine.Option(
            names = "--images-only",
            description = "Only swap images; leave the sidecars to the injection webhook"
                    + " (namespaces labelled istio-injection=enabled).")
    boolean imagesOnly;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        String text;
        try {
            text = file.equals("-")
                    ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                    : Files.readString(Path.of(file));
        } catch (NoSuchFileException e) {
            spec.commandLine().getErr().println("error: -f " + file + ": no such file");
            return 2;
        } catch (IOException e) {
            spec.commandLine().getErr().println("error: -f " + file + ": cannot be read: " + e.getMessage());
            return 2;
        }
        List<String> report = new ArrayList<>();
        try {
            if (!imageMap.isEmpty()) {
                boolean istio = imageMap.remove("istio");
                ImageMap.Result mapped = new ImageMap(image, istio, ImageMap.rules(imageMap)).apply(file, text);
                text = mapped.yaml();
                report.addAll(mapped.report());
            }
            if (!imagesOnly) {
                SidecarInjector.Result result =
                        new SidecarInjector(new SidecarInjector.Settings(image, xds, 1337)).inject(file, text);
                text = result.yaml();
                report.addAll(result.report());
            }
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 2;
        }
        spec.commandLine().getOut().print(text);
        spec.commandLine().getOut().flush();
        report.forEach(line -> spec.commandLine().getErr().println("# " + line));
        return 0;
    }
}
