package dev.meshbox.proxy.forward;

import java.util.EnumSet;
import java.util.stream.Collectors;

/** Envoy response flags, printed comma-separated in Envoy's order, {@code -} when none. */
public enum ResponseFlags {
    UH,
    UT,
    LR,
    UF,
    UC,
    UO,
    NR,
    DI,
    FI,
    DC,
    URX,
    NC;

    public static String format(EnumSet<ResponseFlags> flags) {
        return flags.isEmpty() ? "-" : flags.stream().map(Enum::name).collect(Collectors.joining(","));
    }
}
