package dev.meshbox.scenarios;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * A step's {@code https://} traffic: requests to a gateway as curl sends them in Istio's secure ingress task
 * ({@code --resolve host:port:gateway --cacert ...}), one TLS connection each, in order. It enters at the ingress
 * gateway ({@code from: ingress}) or at a gateway workload ({@code from: my-ingress}), on the pod port the URL's port
 * maps to (443 to 8443, 80 to 8080, as the gateway's Service does); from a workload with a sidecar, at the sidecar's
 * outbound listener on the URL's port (Istio's egress gateway task, HTTPS pattern: curl https://edition.cnn.com).
 */
final class HttpsTraffic {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private HttpsTraffic() {}

    static List<TrafficDriver.Result> send(MeshAccess mesh, Scenario.Traffic t, String runId, IntConsumer progress) {
        Scenario.TrafficTls tls = t.tls()
                .orElseThrow(() -> new IllegalArgumentException(
                        "https:// traffic needs tls: {caCertificates: FILE}, the CA to trust"));
        URI u = URI.create(t.url());
        int port = u.getPort() > 0 ? u.getPort() : 443;
        InetSocketAddress address;
        if (t.from().equals("ingress")) {
            address = mesh.proxyPort("ingress", podPort(port));
        } else if (mesh.entersAtGateway(t.from())) {
            address = mesh.proxyPort(t.from(), podPort(port));
        } else if (mesh.hasSidecar(t.from())) {
            // curl in a pod with a sidecar: the sidecar's outbound TCP listener on the URL's port takes the TLS by SNI.
            address = mesh.proxyPort(t.from(), port);
        } else {
            throw new IllegalArgumentException("https:// traffic enters the mesh at a gateway or leaves a sidecar: send"
                    + " it from ingress, a gateway workload or a workload with a sidecar, not from " + t.from());
        }
        String authority = t.host().orElse(port == 443 ? u.getHost() : u.getHost() + ":" + port);
        String path = (u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath())
                + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
        HttpsClient.Tls client = new HttpsClient.Tls(
                tls.sni().orElse(u.getHost()),
                tls.caCertificatesPem(),
                tls.clientCertificatePem().orElse(null),
                tls.privateKeyPem().orElse(null));
        List<TrafficDriver.Result> results = new ArrayList<>();
        for (int i = 0; i < t.count(); i++) {
            String id = runId + "-" + i;
            Map<String, String> headers = new LinkedHashMap<>(t.headers());
            headers.remove("host");
            headers.put("x-request-id", id);
            headers.putIfAbsent("user-agent", "meshbox-scenario");
            long start = System.nanoTime();
            HttpsClient.Answer a = HttpsClient.get(address, authority, path, headers, client, TIMEOUT);
            results.add(new TrafficDriver.Result(
                    id, a.status(), System.nanoTime() - start, a.error(), a.headers(), a.body()));
            progress.accept(i + 1);
        }
        return results;
    }

    /** The gateway pod's port for a Service port, as Istio's ingress gateway Service maps them. */
    static int podPort(int servicePort) {
        return switch (servicePort) {
            case 80 -> 8080;
            case 443 -> 8443;
            default -> servicePort;
        };
    }
}
