package dev.meshbox.proxy.tls;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Envoy's {@code tls_inspector} without terminating anything: reads a connection's first bytes, without consuming
 * them, to tell a TLS ClientHello from plaintext and take the server name (SNI) it asks for. The bytes then go on
 * untouched, to a TCP proxy (TLS passthrough) or to a chain that terminates TLS itself.
 */
public final class ClientHello {

    /** What the first bytes show. */
    public enum Kind {
        /** Not enough bytes yet to tell. */
        NEED_MORE,
        /** Not a TLS handshake: plaintext ({@code raw_buffer}). */
        PLAINTEXT,
        /** A TLS ClientHello; {@link Result#sni()} is its server name or null. */
        TLS
    }

    /** The inspection's outcome. */
    public record Result(Kind kind, String sni) {
        static final Result NEED_MORE = new Result(Kind.NEED_MORE, null);
        static final Result PLAINTEXT = new Result(Kind.PLAINTEXT, null);
    }

    /** Envoy's tls_inspector reads at most 64 KiB; a ClientHello is one record (at most 16 KiB + header). */
    public static final int MAX_BYTES = 16384 + 5;

    private static final int HANDSHAKE = 22;
    private static final int CLIENT_HELLO = 1;
    private static final int SERVER_NAME = 0;

    private ClientHello() {}

    /** Inspects the readable bytes of {@code in} (its indices are left unchanged). */
    public static Result inspect(ByteBuf in) {
        int start = in.readerIndex();
        int available = in.readableBytes();
        if (available < 1) {
            return Result.NEED_MORE;
        }
        if (in.getUnsignedByte(start) != HANDSHAKE) {
            return Result.PLAINTEXT;
        }
        if (available < 5) {
            return Result.NEED_MORE;
        }
        int major = in.getUnsignedByte(start + 1);
        if (major != 3) {
            return Result.PLAINTEXT;
        }
        int recordLength = in.getUnsignedShort(start + 3);
        if (available < 5 + Math.min(recordLength, 4)) {
            return Result.NEED_MORE;
        }
        int p = start + 5;
        if (in.getUnsignedByte(p) != CLIENT_HELLO) {
            return new Result(Kind.TLS, null);
        }
        if (available < 5 + recordLength) {
            return Result.NEED_MORE;
        }
        int end = start + 5 + recordLength;
        int helloLength = in.getUnsignedMedium(p + 1);
        end = Math.min(end, p + 4 + helloLength);
        p += 4 + 2 + 32; // type, length, client_version, random
        try {
            p = skip8(in, p, end); // session_id
            p = skip16(in, p, end); // cipher_suites
            p = skip8(in, p, end); // compression_methods
            if (p + 2 > end) {
                return new Result(Kind.TLS, null);
            }
            int extensionsEnd = Math.min(end, p + 2 + in.getUnsignedShort(p));
            p += 2;
            while (p + 4 <= extensionsEnd) {
                int type = in.getUnsignedShort(p);
                int length = in.getUnsignedShort(p + 2);
                p += 4;
                if (type == SERVER_NAME) {
                    return new Result(Kind.TLS, serverName(in, p, Math.min(extensionsEnd, p + length)));
                }
                p += length;
            }
        } catch (IndexOutOfBoundsException e) {
            return new Result(Kind.TLS, null);
        }
        return new Result(Kind.TLS, null);
    }

    private static String serverName(ByteBuf in, int p, int end) {
        if (p + 2 > end) {
            return null;
        }
        int listEnd = Math.min(end, p + 2 + in.getUnsignedShort(p));
        p += 2;
        while (p + 3 <= listEnd) {
            int nameType = in.getUnsignedByte(p);
            int length = in.getUnsignedShort(p + 1);
            p += 3;
            if (p + length > listEnd) {
                return null;
            }
            if (nameType == 0) {
                return in.toString(p, length, StandardCharsets.US_ASCII).toLowerCase(java.util.Locale.ROOT);
            }
            p += length;
        }
        return null;
    }

    private static int skip8(ByteBuf in, int p, int end) {
        if (p + 1 > end) {
            throw new IndexOutOfBoundsException();
        }
        return p + 1 + in.getUnsignedByte(p);
    }

    private static int skip16(ByteBuf in, int p, int end) {
        if (p + 2 > end) {
            throw new IndexOutOfBoundsException();
        }
        return p + 2 + in.getUnsignedShort(p);
    }
}
