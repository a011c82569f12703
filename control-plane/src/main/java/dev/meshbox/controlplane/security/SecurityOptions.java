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
 * @param extensionProviders the mesh config's {@code extensionProviders} that CUSTOM AuthorizationPolicies name
 *     ({@link MeshConfigFile})
 */
public record SecurityOptions(
        boolean autoMtls, Duration workloadCertTtl, Path cacerts, java.util.List<ExtAuthzProvider> extensionProviders) {

    public static final SecurityOptions DEFAULTS =
            new SecurityOptions(true, WorkloadCertificates.DEFAULT_TTL, null, java.util.List.of());

    public SecurityOptions {
        extensionProviders =
                extensionProviders == null ? java.util.List.of() : java.util.List.copyOf(extensionProviders);
    }

    public SecurityOptions(boolean autoMtls, Duration workloadCertTtl, Path cacerts) {
        this(autoMtls, workloadCertTtl, cacerts, java.util.List.of());
    }

    public SecurityOptions withAutoMtls(boolean value) {
        return new SecurityOptions(value, workloadCertTtl, cacerts, extensionProviders);
    }

    public SecurityOptions withWorkloadCertTtl(Duration value) {
        return new SecurityOptions(autoMtls, value, cacerts, extensionProviders);
    }

    public SecurityOptions withCacerts(Path value) {
        return new SecurityOptions(autoMtls, workloadCertTtl, value, extensionProviders);
    }

    public SecurityOptions withExtensionProviders(java.util.List<ExtAuthzProvider> value) {
        return new SecurityOptions(autoMtls, workloadCertTtl, cacerts, value);
    }

    /** The CA these options describe: the plug-in one from {@link #cacerts}, else a fresh self-signed root. */
    public CertificateAuthority certificateAuthority(java.time.Instant now) {
        return cacerts == null ? CertificateAuthority.selfSigned(now) : CertificateAuthority.fromCacerts(cacerts);
    }
}
