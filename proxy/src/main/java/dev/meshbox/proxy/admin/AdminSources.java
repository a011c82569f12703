package dev.meshbox.proxy.admin;

import dev.meshbox.proxy.accesslog.AccessLog;
import dev.meshbox.proxy.config.ProxyConfig;
import dev.meshbox.proxy.xds.ConfigApplier;
import dev.meshbox.proxy.xds.XdsTypeStatus;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What the admin endpoints read; all of it is safe to read from any thread. {@code certs} is Envoy's {@code /certs}
 * document over the SDS secrets held now ({@link dev.meshbox.proxy.tls.CertificatesView}). {@code drainListeners}
 * stops the listeners accepting (true: the inbound ones only).
 */
public record AdminSources(
        BooleanSupplier ready,
        ConfigApplier applier,
        Supplier<Map<String, XdsTypeStatus>> xdsStatus,
        Supplier<ProxyConfig> config,
        AccessLog accessLog,
        Supplier<Map<Integer, String>> boundPorts,
        Supplier<Map<Integer, String>> bindErrors,
        Supplier<Map<String, Long>> httpStats,
        Supplier<Map<String, Object>> certs,
        java.util.function.Consumer<Boolean> drainListeners) {

    /** Sources without {@code /drain_listeners} (it answers 501). */
    public AdminSources(
            BooleanSupplier ready,
            ConfigApplier applier,
            Supplier<Map<String, XdsTypeStatus>> xdsStatus,
            Supplier<ProxyConfig> config,
            AccessLog accessLog,
            Supplier<Map<Integer, String>> boundPorts,
            Supplier<Map<Integer, String>> bindErrors,
            Supplier<Map<String, Long>> httpStats,
            Supplier<Map<String, Object>> certs) {
        this(ready, applier, xdsStatus, config, accessLog, boundPorts, bindErrors, httpStats, certs, null);
    }
}
