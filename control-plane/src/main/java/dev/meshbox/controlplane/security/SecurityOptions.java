package dev.meshbox.controlplane.security;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The control plane's security settings.
 *
 * @param autoMtls Istio's {@code enableAutoMtls}: sidecars talk mutual TLS to endpoints that have a sidecar
 * @param workloadCertTtl the lifetime of workload certificates (Istio: 24 h); they rotate at half of it
 * @param cacerts a directory of Istio's plug-in CA files ({@code ca-cert.pem}, {@code ca-key.pem},
 *     {@code root-cert.pem}, {@code cert-chain.pem}) replacing the generated root, or null
 */
public record SecurityOptions(boolean autoMtls, Duration workloadCertTtl, Path cacerts) {

    public static final SecurityOptions DEFAULTS = new SecurityOptions(true, WorkloadCertificates.DEFAULT_TTL, null);

    public SecurityOptions withAutoMtls(boolean value) {
        return new SecurityOptions(value, workloadCertTtl, cacerts);
    }

    public SecurityOptions withWorkloadCertTtl(Duration value) {
        return new SecurityOptions(autoMtls, value, cacerts);
    }

    public SecurityOptions withCacerts(Path value) {
        return new SecurityOptions(autoMtls, workloadCertTtl, value);
    }

    /** The CA these options describe: the plug-in one from {@link #cacerts}, else a fresh self-signed root. */
    public CertificateAuthority certificateAuthority(java.time.Instant now) {
        return cacerts == null ? CertificateAuthority.selfSigned(now) : CertificateAuthority.fromCacerts(cacerts);
    }
}
