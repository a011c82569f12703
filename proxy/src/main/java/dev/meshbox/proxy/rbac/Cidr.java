package dev.meshbox.proxy.rbac;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An Envoy {@code CidrRange}: an address prefix and its length in bits. */
public record Cidr(byte[] prefix, int length) {

    /** {@code address} must be a literal IP address; throws IllegalArgumentException otherwise. */
    public static Cidr of(String address, int length) {
        if (address.isEmpty() || !address.matches("[0-9a-fA-F:.]+")) {
            throw new IllegalArgumentException("not an IP address: \"" + address + "\"");
        }
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(address).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: \"" + address + "\"", e);
        }
        if (length < 0 || length > bytes.length * 8) {
            throw new IllegalArgumentException("prefix length " + length + " out of range for " + address);
        }
        return new Cidr(bytes, length);
    }

    public boolean contains(InetAddress address) {
        if (address == null) {
            return false;
        }
        byte[] a = address.getAddress();
        if (a.length != prefix.length) {
            return false;
        }
        int full = length / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != prefix[i]) {
                return false;
            }
        }
        int rest = length % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (a[full] & mask) == (prefix[full] & mask);
    }
}
