package dev.meshbox.controlplane.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.meshbox.controlplane.config.ConfigProblem;
import dev.meshbox.controlplane.config.IstioParser;
import dev.meshbox.controlplane.config.ParseResult;
import io.fabric8.zjsonpatch.JsonDiff;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * istiod's admission webhooks on HTTPS (15017): {@code POST /inject} adds the sidecar to pods created in namespaces
 * labelled {@code istio-injection=enabled} (the API server calls it as the MutatingWebhookConfiguration says, and the
 * answer is a JSON Patch made by {@link SidecarInjector}); {@code POST /validate} refuses a VirtualService,
 * DestinationRule or Gateway the control plane could not parse, with the field and what is expected, so
 * {@code kubectl apply} fails as it does with Istio's validating webhook.
 */
public final class AdmissionWebhook implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdmissionWebhook.class);

    private final SidecarInjector injector;
    private final IstioParser parser = new IstioParser();
    private final ObjectMapper json = new ObjectMapper();
    private final HttpsServer server;
    private final ExecutorService executor;

    private AdmissionWebhook(SidecarInjector injector, HttpsServer server) {
        this.injector = injector;
        this.server = server;
        this.executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "meshbox-webhook");
            t.setDaemon(true);
            return t;
        });
    }

    /** Serves on {@code bind} with the PEM certificate chain and PKCS#8 private key the API server trusts (its caBundle). */
    public static AdmissionWebhook start(InetSocketAddress bind, Path certPem, Path keyPem, SidecarInjector injector)
            throws IOException {
        SSLContext tls;
        try {
            tls = tls(Files.readString(certPem), Files.readString(keyPem));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException(
                    "the webhook's certificate " + certPem + " or key " + keyPem + " cannot be used: " + e.getMessage(),
                    e);
        }
        HttpsServer server = HttpsServer.create(bind, 64);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        AdmissionWebhook webhook = new AdmissionWebhook(injector, server);
        server.createContext("/inject", webhook::inject);
        server.createContext("/validate", webhook::validate);
        server.createContext("/ready", exchange -> webhook.respond(exchange, 200, "ok", "text/plain"));
        server.setExecutor(webhook.executor);
        server.start();
        return webhook;
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** A TLS context from PEM text: the first certificate is the server's, the rest its chain. */
    static SSLContext tls(String certPem, String keyPem) throws GeneralSecurityException, IOException {
        List<Certificate> chain = List.copyOf(CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(certPem.getBytes(StandardCharsets.US_ASCII))));
        if (chain.isEmpty()) {
            throw new GeneralSecurityException("no certificate in the PEM text");
        }
        byte[] der = pemBody(keyPem, "PRIVATE KEY");
        PrivateKey key = KeyFactory.getInstance(chain.get(0).getPublicKey().getAlgorithm())
                .generatePrivate(new PKCS8EncodedKeySpec(der));
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        char[] password = new char[0];
        store.setKeyEntry("webhook", key, password, chain.toArray(Certificate[]::new));
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    private static byte[] pemBody(String pem, String type) {
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int from = pem.indexOf(begin);
        int to = pem.indexOf(end);
        if (from < 0 || to < from) {
            throw new IllegalArgumentException("expected a PEM block \"" + begin + "\" (PKCS#8)");
        }
        return Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
    }

    private void inject(HttpExchange exchange) throws IOException {
        review(exchange, (request, response) -> {
            JsonNode object = request.path("object");
            if (!"Pod".equals(request.path("kind").path("kind").asText()) || !object.isObject()) {
                return;
            }
            ObjectNode pod = ((ObjectNode) object).deepCopy();
            String what = injector.injectPod(pod);
            JsonNode patch = JsonDiff.asJson(object, pod);
            if (!patch.isEmpty()) {
                response.put("patchType", "JSONPatch");
                response.put("patch", Base64.getEncoder().encodeToString(json.writeValueAsBytes(patch)));
            }
            LOG.info("pod {}/{}: {}", request.path("namespace").asText(), podName(object), what);
        });
    }

    private void validate(HttpExchange exchange) throws IOException {
        review(exchange, (request, response) -> {
            JsonNode object = request.path("object");
            if (!object.isObject() || "DELETE".equals(request.path("operation").asText())) {
                return;
            }
            ObjectNode doc = ((ObjectNode) object).deepCopy();
            ObjectNode meta = doc.with("metadata");
            if (!meta.has("namespace") && request.hasNonNull("namespace")) {
                meta.put("namespace", request.path("namespace").asText());
            }
            ParseResult parsed = parser.parse("admission webhook", json.writeValueAsString(doc));
            if (!parsed.ok()) {
                List<String> messages = parsed.problems().stream()
                        .map(AdmissionWebhook::withoutSource)
                        .toList();
                response.put("allowed", false);
                ObjectNode status = response.putObject("status");
                status.put("code", 400);
                status.put("reason", "Invalid");
                status.put(
                        "message",
                        "admission webhook \"validation.istio.io\" denied the request: " + String.join("; ", messages));
            }
        });
    }

    private static String withoutSource(ConfigProblem p) {
        return (p.resource().isEmpty() ? "" : p.resource() + ": ")
                + (p.field().isEmpty() ? "" : p.field() + ": ")
                + p.message();
    }

    private interface Reviewer {
        void review(JsonNode request, ObjectNode response) throws IOException;
    }

    /** Reads an AdmissionReview, lets {@code reviewer} fill in the response (allowed unless it says otherwise), answers. */
    private void review(HttpExchange exchange, Reviewer reviewer) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                respond(exchange, 405, "POST an AdmissionReview (admission.k8s.io/v1)", "text/plain");
                return;
            }
            JsonNode review;
            try {
                review = json.readTree(exchange.getRequestBody());
            } catch (IOException e) {
                respond(exchange, 400, "the body is not JSON: " + e.getMessage(), "text/plain");
                return;
            }
            JsonNode request = review == null ? null : review.get("request");
            if (request == null || !request.hasNonNull("uid")) {
                respond(exchange, 400, "expected an AdmissionReview with request.uid", "text/plain");
                return;
            }
            ObjectNode out = json.createObjectNode();
            out.put("apiVersion", review.path("apiVersion").asText("admission.k8s.io/v1"));
            out.put("kind", "AdmissionReview");
            ObjectNode response = out.putObject("response");
            response.put("uid", request.path("uid").asText());
            response.put("allowed", true);
            try {
                reviewer.review(request, response);
            } catch (RuntimeException e) {
                // As istiod does: refuse what cannot be reviewed, with the reason (kubectl and the ReplicaSet's events
                // show it).
                LOG.warn("admission review {} failed: {}", request.path("uid").asText(), e.toString());
                response.remove("patch");
                response.remove("patchType");
                response.put("allowed", false);
                ObjectNode status = response.putObject("status");
                status.put("code", 500);
                status.put(
                        "message",
                        "MeshBox's webhook " + exchange.getRequestURI().getPath() + " failed: " + e);
            }
            respond(exchange, 200, json.writeValueAsString(out), "application/json");
        }
    }

    private static String podName(JsonNode pod) {
        JsonNode meta = pod.path("metadata");
        return meta.hasNonNull("name")
                ? meta.get("name").asText()
                : meta.path("generateName").asText("?") + "*";
    }

    private void respond(HttpExchange exchange, int status, String body, String type) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
