package dev.meshbox.controlplane.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The certificate each identity currently holds: issued on first use and replaced once past half its lifetime (as
 * Istio's agent rotates), so the proxies of one service account share a key and a certificate. Thread-safe.
 */
public final class WorkloadCertificates {

    /** {@code DEFAULT_WORKLOAD_CERT_TTL}. */
    public static final Duration DEFAULT_TTL = Duration.ofHours(24);

    private final CertificateAuthority ca;
    private final Duration ttl;
    private final Clock clock;
    private final Map<String, WorkloadCertificate> current = new ConcurrentHashMap<>();

    public WorkloadCertificates(CertificateAuthority ca, Duration ttl, Clock clock) {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("workload certificate TTL must be positive, got " + ttl);
        }
        this.ca = ca;
        this.ttl = ttl;
        this.clock = clock;
    }

    public CertificateAuthority ca() {
        return ca;
    }

    public Duration ttl() {
        return ttl;
    }

    /** The identity's certificate, issued or rotated now when it has none or it is past its rotation time. */
    public WorkloadCertificate forIdentity(String spiffeId) {
        Instant now = clock.instant();
        return current.compute(
                spiffeId, (id, held) -> held == null || !now.isBefore(held.rotateAt()) ? ca.issue(id, ttl, now) : held);
    }

    /** The earliest rotation time among the certificates held, if any: when the next rotation is due. */
    public Optional<Instant> nextRotation() {
        return current.values().stream().map(WorkloadCertificate::rotateAt).min(Instant::compareTo);
    }

    /** Drops the certificates of identities no longer in the mesh. */
    public void retainOnly(java.util.Set<String> identities) {
        current.keySet().retainAll(identities);
    }
}
