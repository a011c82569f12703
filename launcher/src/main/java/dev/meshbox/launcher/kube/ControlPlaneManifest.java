package dev.meshbox.launcher.kube;

import dev.meshbox.launcher.admin.AdminServer;
import dev.meshbox.launcher.backend.MeshSpec;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The control plane's objects, from the bundled {@code kube/control-plane.yaml} filled in for one mesh: istiod (MeshBox's
 * control plane with the Kubernetes registry, the webhooks and the admin API), the mesh config (ConfigMap istio), the
 * ingress gateway, their RBAC, the webhooks' configurations and TLS secret.
 */
final class ControlPlaneManifest {

    private ControlPlaneManifest() {}

    static List<HasMetadata> objects(
            KubernetesClient client, MeshSpec spec, KubeMesh.Options options, String meshId, WebhookTls.Material tls) {
        String text = MeshSpec.bundled("kube/control-plane.yaml")
                .replace("{{MESH}}", meshId)
                .replace("{{IMAGE}}", options.image())
                .replace("{{CA_BUNDLE}}", base64(tls.caPem()))
                .replace("{{TLS_CRT}}", base64(tls.certPem()))
                .replace("{{TLS_KEY}}", base64(tls.keyPem()))
                .replace("{{ISTIOD_COMMAND}}", flow(istiodCommand(spec, options)))
                .replace("{{GATEWAY_COMMAND}}", flow(gatewayCommand(options)));
        List<HasMetadata> objects =
                new ArrayList<>(client.load(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)))
                        .items());
        // After the namespace, before istiod: the control plane reads the mesh config as it starts.
        objects.add(1, MeshConfigMap.object(meshId, options.meshConfig()));
        // Istio's reader service account, for other clusters' remote secrets (create-remote-secret).
        objects.addAll(RemoteSecrets.readerObjects(meshId));
        return options.cluster().applyTo(objects, meshId);
    }

    private static List<String> istiodCommand(MeshSpec spec, KubeMesh.Options options) {
        List<String> istiod = new ArrayList<>(List.of(
                "java",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Xmx256m",
                "-cp",
                "/opt/meshbox/meshbox.jar",
                "dev.meshbox.launcher.Main",
                "control-plane",
                "--registry",
                "kubernetes",
                "--xds",
                "0.0.0.0:15010",
                "--admin",
                "0.0.0.0:" + AdminServer.PORT,
                "--webhook",
                "0.0.0.0:15017",
                "--tls-dir",
                "/var/run/secrets/meshbox-webhook",
                "--inject-image",
                options.image(),
                "--cacerts",
                KubeClusterIdentity.CACERTS_MOUNT,
                "--watch-namespace",
                KubeMesh.SYSTEM));
        // Config in each namespace the workloads run in (a PeerAuthentication in foo), and in default as before.
        for (String ns : WorkloadNamespaces.of(spec)) {
            if (ns.equals(KubeMesh.SYSTEM)) {
                continue; // a user's gateway there (istio-egressgateway): watched already
            }
            istiod.addAll(List.of("--watch-namespace", ns));
        }
        for (String name : spec.defaultConfigNames()) {
            istiod.addAll(List.of("--default-config", name));
        }
        return istiod;
    }

    private static List<String> gatewayCommand(KubeMesh.Options options) {
        List<String> gateway = new ArrayList<>(List.of(
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
                KubeMesh.SYSTEM,
                "--ip",
                "$(POD_IP)",
                "--wildcard",
                "all",
                "--xds",
                "istiod." + KubeMesh.SYSTEM + ".svc:15010",
                "--label",
                "app=istio-ingressgateway",
                "--label",
                "istio=ingressgateway"));
        options.seed().ifPresent(s -> gateway.addAll(List.of("--seed", Long.toString(s))));
        return gateway;
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A YAML flow sequence of quoted strings. */
    private static String flow(List<String> items) {
        return items.stream()
                .map(s -> "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"")
                .collect(Collectors.joining(", ", "[", "]"));
    }
}
