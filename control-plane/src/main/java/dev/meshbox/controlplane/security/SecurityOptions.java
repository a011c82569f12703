package dev.meshbox.controlplane.security;

import dev.meshbox.controlplane.config.DestinationRule.LocalityLbSetting;
import dev.meshbox.controlplane.config.MeshLocalityLb;
import dev.meshbox.controlplane.config.OutboundTrafficPolicy;
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
 * @param outboundTrafficPolicy the mesh config's {@code outboundTrafficPolicy.mode} (it travels with the other mesh
 *     config settings the control plane takes)
 * @param tracing the mesh config's tracing settings ({@link MeshTracing}), travelling the same way
 * @param localityLbSetting the mesh config's {@code localityLbSetting} ({@link MeshLocalityLb}), likewise
 */
public record SecurityOptions(
        boolean autoMtls,
        Duration workloadCertTtl,
        Path cacerts,
        java.util.List<ExtAuthzProvider> extensionProviders,
        OutboundTrafficPolicy outboundTrafficPolicy,
        MeshTracing tracing,
        LocalityLbSetting localityLbSetting) {

    public static final SecurityOptions DEFAULTS =
            new SecurityOptions(true, WorkloadCertificates.DEFAULT_TTL, null, java.util.List.of());

    public SecurityOptions {
        extensionProviders =
                extensionProviders == null ? java.util.List.of() : java.util.List.copyOf(extensionProviders);
        outboundTrafficPolicy = outboundTrafficPolicy == null ? OutboundTrafficPolicy.ALLOW_ANY : outboundTrafficPolicy;
        tracing = tracing == null ? MeshTracing.DEFAULTS : tracing;
        localityLbSetting = localityLbSetting == null ? MeshLocalityLb.DEFAULT : localityLbSetting;
    }

    public SecurityOptions(
            boolean autoMtls,
            Duration workloadCertTtl,
            Path cacerts,
            java.util.List<ExtAuthzProvider> extensionProviders,
            OutboundTrafficPolicy outboundTrafficPolicy,
            MeshTracing tracing) {
        this(autoMtls, workloadCertTtl, cacerts, extensionProviders, outboundTrafficPolicy, tracing, null);
    }

    public SecurityOptions withLocalityLbSetting(LocalityLbSetting value) {
        return new SecurityOptions(
                autoMtls, workloadCertTtl, cacerts, extensionProviders, outboundTrafficPolicy, tracing, value);
    }

    public SecurityOptions(
            boolean autoMtls,
            Duration workloadCertTtl,
            Path cacerts,
            java.util.List<ExtAuthzProvider> extensionProviders,
            OutboundTrafficPolicy outboundTrafficPolicy) {
        this(autoMtls, workloadCertTtl, cacerts, extensionProviders, outboundTrafficPolicy, MeshTracing.DEFAULTS);
    }

    public SecurityOptions withTracing(MeshTracing value) {
        return new SecurityOptions(
                autoMtls,
                workloadCertTtl,
                cacerts,
                extensionProviders,
                outboundTrafficPolicy,
                value,
                localityLbSetting);
    }

    public SecurityOptions(
            boolean autoMtls,
            Duration workloadCertTtl,
            Path cacerts,
            java.util.List<ExtAuthzProvider> extensionProviders) {
        this(autoMtls, workloadCertTtl, cacerts, extensionProviders, OutboundTrafficPolicy.ALLOW_ANY);
    }

    public SecurityOptions withOutboundTrafficPolicy(OutboundTrafficPolicy value) {
        return new SecurityOptions(
                autoMtls, workloadCertTtl, cacerts, extensionProviders, value, tracing, localityLbSetting);
    }

    public SecurityOptions(boolean autoMtls, Duration workloadCertTtl, Path cacerts) {
        this(autoMtls, workloadCertTtl, cacerts, java.util.List.of());
    }

    public SecurityOptions withAutoMtls(boolean value) {
        return new SecurityOptions(
                value, workloadCertTtl, cacerts, extensionProviders, outboundTrafficPolicy, tracing, localityLbSetting);
    }

    public SecurityOptions withWorkloadCertTtl(Duration value) {
        return new SecurityOptions(
                autoMtls, value, cacerts, extensionProviders, outboundTrafficPolicy, tracing, localityLbSetting);
    }

    public SecurityOptions withCacerts(Path value) {
        return new SecurityOptions(
                autoMtls,
                workloadCertTtl,
                value,
                extensionProviders,
                outboundTrafficPolicy,
                tracing,
                localityLbSetting);
    }

    public SecurityOptions withExtensionProviders(java.util.List<ExtAuthzProvider> value) {
        return new SecurityOptions(
                autoMtls, workloadCertTtl, cacerts, value, outboundTrafficPolicy, tracing, localityLbSetting);
    }

    /** The CA these options describe: the plug-in one from {@link #cacerts}, else a fresh self-signed root. */
    public CertificateAuthority certificateAuthority(java.time.Instant now) {
        return cacerts == null ? CertificateAuthority.selfSigned(now) : CertificateAuthority.fromCacerts(cacerts);
    }
}
