package dev.meshbox.controlplane.xds;

import java.util.Map;

/**
 * What one proxy holds, as {@code istioctl proxy-status} shows it: per xDS type the version the control plane
 * wants it to have, the version it last ACKed, and the last NACK with its reason.
 */
public record ProxyStatus(String nodeId, boolean connected, Map<String, TypeStatus> types) {

    public record TypeStatus(String wanted, String sent, String acked, String nacked, String nackReason) {
        public boolean synced() {
            return wanted.equals(acked);
        }
    }

    public boolean synced() {
        return types.values().stream().allMatch(TypeStatus::synced);
    }
}
