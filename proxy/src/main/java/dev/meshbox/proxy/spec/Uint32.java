package dev.meshbox.proxy.spec;

import com.google.protobuf.UInt32Value;

/**
 * xDS counts are uint32 and Java's int is signed: Istio's "unlimited" 4294967295 reads as -1. Values are taken
 * unsigned and saturated at {@link Integer#MAX_VALUE}, which is as unlimited as a proxy in one JVM gets.
 */
public final class Uint32 {
    private Uint32() {}

    public static int saturated(int raw) {
        return (int) Math.min(Integer.toUnsignedLong(raw), Integer.MAX_VALUE);
    }

    public static int saturated(UInt32Value v) {
        return saturated(v.getValue());
    }
}
