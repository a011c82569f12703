package dev.meshbox.launcher.backend;

import dev.meshbox.controlplane.security.CertificateAuthority;
import dev.meshbox.controlplane.security.WorkloadCertificate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One root and an intermediate CA per cluster, laid out as Istio's {@code tools/certs/Makefile.selfsigned.mk} makes
 * them: {@code make root-ca} writes {@code root-cert.pem} at the top, {@code make cluster1-cacerts} the directory
 * {@code cluster1/} with {@code ca-cert.pem}, {@code ca-key.pem}, {@code root-cert.pem} and {@code cert-chain.pem}
 * (the intermediate then the root), which is the {@code cacerts} Secret each cluster's istiod is given. Each cluster's
 * control plane signs its workloads with its own intermediate and serves the intermediate after every workload
 * certificate, so a peer in another cluster verifies the chain against the one shared root.
 */
public final class ClusterCerts {

    private ClusterCerts() {}

    /**
     * Writes a fresh root into {@code dir} and one {@code cacerts} directory per cluster under it.
     *
     * @return each cluster's {@code cacerts} directory, in the order given
     */
    public static Map<String, Path> generate(Path dir, List<String> clusters) {
        Instant now = Instant.now();
        CertificateAuthority root = CertificateAuthority.selfSigned(now);
        write(dir.resolve("root-cert.pem"), root.rootPem());
        Map<String, Path> out = new LinkedHashMap<>();
        for (String cluster : clusters) {
            WorkloadCertificate intermediate = root.issueIntermediate(cluster, now);
            Path cacerts = dir.resolve(cluster);
            // The intermediate's chain is itself alone: the root signs it.
            String caCert = intermediate.certificateChainPem();
            write(cacerts.resolve("ca-cert.pem"), caCert);
            write(cacerts.resolve("ca-key.pem"), intermediate.privateKeyPem());
            write(cacerts.resolve("root-cert.pem"), root.rootPem());
            write(cacerts.resolve("cert-chain.pem"), caCert + root.rootPem());
            out.put(cluster, cacerts);
        }
        return out;
    }

    /** The files Istio's {@code cacerts} Secret holds; a user's directory must have each of them. */
    public static final List<String> CACERTS_FILES =
            List.of("ca-cert.pem", "ca-key.pem", "root-cert.pem", "cert-chain.pem");

    /**
     * Checks a user's {@code cacerts} directory for {@code cluster} before anything starts.
     *
     * @throws IllegalArgumentException naming the cluster, the directory and each missing file
     */
    public static void checkCacerts(String cluster, Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(
                    "cluster " + cluster + ": cacerts " + dir + " is not a directory (expected Istio's cacerts layout: "
                            + String.join(", ", CACERTS_FILES) + ")");
        }
        List<String> missing = CACERTS_FILES.stream()
                .filter(f -> !Files.isRegularFile(dir.resolve(f)))
                .toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("cluster " + cluster + ": cacerts " + dir + " lacks " + missing
                    + " (Istio's cacerts layout: " + String.join(", ", CACERTS_FILES) + ")");
        }
    }

    /**
     * Whether the users' {@code cacerts} directories share one root, as Istio's multi-cluster needs: a cluster whose
     * {@code root-cert.pem} differs from the first cluster's cannot verify the other clusters' workloads, so every call
     * across them fails the TLS handshake. Compared as certificates (the PEM text may differ in line breaks).
     *
     * @return one line per cluster whose root is not the first cluster's, naming both files; empty when all share it
     */
    public static List<String> rootsNotShared(Map<String, Path> cacerts) {
        List<String> problems = new java.util.ArrayList<>();
        String first = null;
        Path firstFile = null;
        java.util.Set<String> firstRoot = null;
        for (Map.Entry<String, Path> e : cacerts.entrySet()) {
            Path file = e.getValue().resolve("root-cert.pem");
            java.util.Set<String> root = certificates(file);
            if (firstRoot == null) {
                first = e.getKey();
                firstFile = file;
                firstRoot = root;
            } else if (!root.equals(firstRoot)) {
                problems.add("cluster " + e.getKey() + ": its root " + file + " is not cluster " + first + "'s root "
                        + firstFile + "; clusters without a shared root do not trust each other's workloads (calls"
                        + " across them fail with 503 CERTIFICATE_VERIFY_FAILED); make each cluster's intermediate from"
                        + " one root, as Istio's tools/certs Makefile.selfsigned.mk does");
            }
        }
        return problems;
    }

    private static java.util.Set<String> certificates(Path pem) {
        try (java.io.InputStream in = Files.newInputStream(pem)) {
            java.util.Set<String> encoded = new java.util.HashSet<>();
            for (java.security.cert.Certificate c :
                    java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                encoded.add(java.util.Base64.getEncoder().encodeToString(c.getEncoded()));
            }
            return encoded;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + pem + ": " + e.getMessage(), e);
        } catch (java.security.cert.CertificateException e) {
            throw new IllegalArgumentException(pem + ": not a PEM certificate (" + e.getMessage() + ")", e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
