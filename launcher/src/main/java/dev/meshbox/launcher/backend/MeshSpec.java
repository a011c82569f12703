package dev.meshbox.launcher.backend;

import dev.meshbox.bookinfo.BookinfoApps;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.ServicePort;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** What a mesh runs: services, pods, and the config applied at start (the ingress Gateway). */
public record MeshSpec(List<MeshService> services, List<PodSpec> pods, List<String> defaultConfig) {

    /** Istio's Bookinfo, as {@code platform/kube/bookinfo.yaml} deploys it, plus its gateway config. */
    public static MeshSpec bookinfo() {
        List<MeshService> services = new ArrayList<>();
        List<PodSpec> pods = new ArrayList<>();
        for (String s : List.of("details", "ratings", "reviews", "productpage")) {
            services.add(new MeshService(s, "default", List.of(new ServicePort("http", 9080, 9080, "HTTP")), Map.of("app", s)));
        }
        pods.add(bookinfoPod("productpage", "v1"));
        pods.add(bookinfoPod("details", "v1"));
        pods.add(bookinfoPod("ratings", "v1"));
        pods.add(bookinfoPod("reviews", "v1"));
        pods.add(bookinfoPod("reviews", "v2"));
        pods.add(bookinfoPod("reviews", "v3"));
        return new MeshSpec(services, pods, List.of(resource("bookinfo-gateway.yaml")));
    }

    private static PodSpec bookinfoPod(String app, String version) {
        String deployment = app + "-" + version;
        return new PodSpec(podName(deployment), "default", Map.of("app", app, "version", version), 9080, BookinfoApps::create);
    }

    /** A stable pod name in Kubernetes' shape: deployment, replica-set hash, pod suffix. */
    static String podName(String deployment) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(deployment.getBytes(StandardCharsets.UTF_8));
            String hex = HexFormat.of().formatHex(d);
            return deployment + "-" + hex.substring(0, 9) + "-" + alnum(hex.substring(9, 14));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String alnum(String hex) {
        StringBuilder sb = new StringBuilder();
        for (char c : hex.toCharArray()) {
            sb.append((char) ('b' + Character.digit(c, 16) % 20));
        }
        return sb.toString();
    }

    static String resource(String name) {
        try (var in = MeshSpec.class.getResourceAsStream("/dev/meshbox/launcher/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name + " in the launcher jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
