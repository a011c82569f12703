package dev.meshbox.proxy.http;

import java.util.EnumSet;

/**
 * Envoy's response flags, all of them, in the order Envoy prints them ({@code ALL_RESPONSE_STRINGS_FLAGS} in
 * {@code source/common/stream_info/utility.h}); {@code -} when none. Their meanings for users live in
 * {@code dev.meshbox.scenarios.ResponseFlag}, which a launcher test keeps in step with this list. HTTP/1.1 as MeshBox
 * carries it never sets UR (a stream reset by the upstream), only UC (its connection closed).
 */
public enum ResponseFlag {
    LH,
    UH,
    UT,
    LR,
    UR,
    UF,
    UC,
    UO,
    NR,
    DI,
    FI,
    RL,
    UAEX,
    RLSE,
    DC,
    URX,
    SI,
    IH,
    DPE,
    UMSDR,
    RFCF,
    NFCF,
    DT,
    UPE,
    NC,
    OM,
    DF,
    DO;

    public static String format(EnumSet<ResponseFlag> flags) {
        if (flags.isEmpty()) {
            return "-";
        }
        StringBuilder out = new StringBuilder();
        for (ResponseFlag f : flags) {
            if (out.length() > 0) {
                out.append(',');
            }
            out.append(f.name());
        }
        return out.toString();
    }
}
