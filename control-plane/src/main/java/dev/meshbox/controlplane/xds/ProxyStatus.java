package dev.meshbox.controlplane.xds;

import java.util.Map;

/**
 * What one proxy holds, as {@code istioctl proxy-status} shows it: per xDS type the version the control plane
 * wants it to have, the version it last ACKed, and the last NACK with its reason.
 */
public record ProxyStatus(String nodeId, boolean connected, Map<String, TypeStatus> types) {

    public record TypeStatus(String wanted, String sent, String acked, String nacked, String nackReason) {
        /** ACKed what it should hold; an empty {@code wanted} means it should hold nothing of this type. */
        public boolean synced() {
            return wanted.isEmpty() || wanted.equals(acked);
        }

        /** The proxy rejected the very version it should hold: waiting longer will not change that. */
        public boolean rejected() {
            return !wanted.isEmpty() && wanted.equals(nacked) && !wanted.equals(acked);
        }
    }

    public boolean rejected() {
        return types.values().stream().anyMatch(TypeStatus::rejected);
    }

    public boolean synced() {
        return types.values().stream().allMatch(TypeStatus::synced);
    }

    /** {@code reviews-v1-... RDS (wants 3df2d4, ACKed none, NACKed 3df2d4: reason)} for the types not in sync. */
    public String describeLag() {
        StringBuilder sb = new StringBuilder();
        types.forEach((type, t) -> {
            if (!t.synced()) {
                sb.append(sb.length() == 0 ? "" : "; ")
                        .append(type)
                        .append(" wants ")
                        .append(t.wanted())
                        .append(", ACKed ")
                        .append(t.acked().isEmpty() ? "none" : t.acked());
                if (!t.nackReason().isEmpty()) {
                    sb.append(", NACKed ").append(t.nacked()).append(": ").append(t.nackReason());
                }
            }
        });
        String pod = nodeId.split("~").length > 2 ? nodeId.split("~")[2] : nodeId;
        return pod + " " + (connected ? "" : "(not connected) ") + sb;
    }
}
