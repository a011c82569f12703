package dev.meshbox.bookinfo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/**
 * The HTTPS side of the edition.cnn.com stand-in, for the HTTPS pattern of Istio's egress gateway task: TLS on the
 * pod's port 8443 with a test certificate for {@code edition.cnn.com} (issued by the {@code MeshBox test CA} that
 * {@code scenarios/egress-gateway-https/ca.crt} holds), answering every request {@code 200} with a page, one request
 * per connection. The mesh passes the client's TLS through to it, so the client sees this certificate.
 */
final class CnnHttps implements AutoCloseable {

    static final int PORT = 8443;
    private static final String KEYSTORE = "/dev/meshbox/bookinfo/cnn/edition.cnn.com.p12";
    private static final char[] PASSWORD = "meshbox".toCharArray();

    private final SSLServerSocket server;

    private CnnHttps(SSLServerSocket server) {
        this.server = server;
    }

    /** Listens on {@code host}:8443 and serves until closed. */
    static CnnHttps start(java.net.InetAddress host) {
        try (InputStream in = CnnHttps.class.getResourceAsStream(KEYSTORE)) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(in, PASSWORD);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, PASSWORD);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(kmf.getKeyManagers(), null, null);
            SSLServerSocket server =
                    (SSLServerSocket) tls.getServerSocketFactory().createServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(host, PORT));
            CnnHttps https = new CnnHttps(server);
            Thread accept = new Thread(https::accept, "cnn-https");
            accept.setDaemon(true);
            accept.start();
            return https;
        } catch (IOException e) {
            throw new UncheckedIOException("cnn: cannot serve HTTPS on " + host.getHostAddress() + ":" + PORT, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cnn: the test keystore " + KEYSTORE + " does not load", e);
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> answer(s), "cnn-https-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private static void answer(Socket s) {
        try (s) {
            s.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                // the request's lines: every path gets the page
            }
            byte[] body = "<!DOCTYPE html><title>CNN International (MeshBox stand-in)</title>\n"
                    .getBytes(StandardCharsets.UTF_8);
            OutputStream out = s.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: " + body.length
                            + "\r\nconnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
        } catch (IOException e) {
            // a client that went away: nothing to answer
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing
        }
    }
}
