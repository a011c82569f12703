package dev.meshbox.launcher;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * HTTPS servers outside the mesh that TLS passes through untouched (nginx.example.com, edition.cnn.com), and the
 * curl-like client that checks whose certificate came back: for the ITs of Istio's passthrough tasks.
 */
final class TlsBackends {

    /** What a client saw: the status line, the whole response and the server's leaf certificate. */
    record Answer(String statusLine, String response, X509Certificate peer) {}

    private TlsBackends() {}

    /** An HTTPS server on loopback presenting {@code leaf} (chained to {@code caPem}), answering 200 with {@code body}. */
    static HttpsServer https(ExampleCertificates.Issued leaf, String caPem, String body) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry(
                "leaf", privateKey(leaf.keyPem()), new char[0], new X509Certificate[] {cert(leaf.certPem()), cert(caPem)
                });
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(context));
        server.setExecutor(Executors.newCachedThreadPool());
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        return server;
    }

    /**
     * curl --resolve --cacert: TLS to {@code address} with server name {@code sni}, trusting only {@code caPem} and
     * checking the name, then {@code GET path}.
     */
    static Answer get(InetSocketAddress address, String sni, String caPem, String path) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", cert(caPem));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        try (Socket raw = new Socket()) {
            raw.connect(address, 5000);
            raw.setSoTimeout(10_000);
            try (SSLSocket tls =
                    (SSLSocket) context.getSocketFactory().createSocket(raw, sni, address.getPort(), true)) {
                SSLParameters p = tls.getSSLParameters();
                p.setServerNames(List.of(new SNIHostName(sni)));
                p.setEndpointIdentificationAlgorithm("HTTPS");
                tls.setSSLParameters(p);
                tls.startHandshake();
                X509Certificate peer = (X509Certificate) tls.getSession().getPeerCertificates()[0];
                tls.getOutputStream()
                        .write(("GET " + path + " HTTP/1.1\r\nHost: " + sni + "\r\nConnection: close\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                tls.getOutputStream().flush();
                String response = new String(tls.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                return new Answer(response.split("\r\n", 2)[0], response, peer);
            }
        }
    }

    private static X509Certificate cert(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    /** A PKCS#8 {@code PRIVATE KEY} PEM, as {@link ExampleCertificates} writes it. */
    private static PrivateKey privateKey(String pem) throws Exception {
        String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance("EC")
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    }
}
