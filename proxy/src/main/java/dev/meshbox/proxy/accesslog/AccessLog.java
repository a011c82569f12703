package dev.meshbox.proxy.accesslog;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The last {@code capacity} entries of one proxy, numbered so a reader can ask for what is new.
 *
 * <p>Entries are kept encoded in one byte ring allocated up front, not as objects: a busy proxy appends thousands of
 * entries a second, and keeping them as objects would have every young collection copy the whole window and then
 * promote it, filling the old generation with dead entries. A byte array holds no references, so the window costs
 * the collector nothing; entries are decoded only when someone reads them. When the bytes run out before the count
 * does (very long paths or headers), the oldest entries go first, as they would by count. The ring starts small and
 * grows with use up to {@code capacity} times {@value #BYTES_PER_ENTRY} bytes.
 */
public final class AccessLog {

    /** Bytes reserved per entry; a typical sidecar entry encodes to 300 to 400. */
    static final int BYTES_PER_ENTRY = 512;
    /** A longer string field is cut to this many characters, so that one entry never takes much of the ring. */
    static final int MAX_FIELD_CHARS = 8192;

    private static final int STRING_FIELDS = 21;
    /** The ring starts this small and doubles while entries come in, up to its full size, so an idle proxy stays small. */
    static final int INITIAL_RING_BYTES = 16 * 1024;

    private final int capacity;
    private final int maxRingBytes;
    private byte[] ring;
    /** Whether writing ever went back to the start of the ring; until then the ring grows instead. */
    private boolean wrappedOnce;

    private final int[] offsets;
    private final int[] lengths;
    private final int maxFieldChars;
    private byte[] scratch = new byte[1024];
    private long firstSeq = 1;
    private long nextSeq = 1;
    private int write;

    public AccessLog(int capacity) {
        this(capacity, (int) Math.min(Integer.MAX_VALUE - 8, Math.max(64L * 1024, (long) capacity * BYTES_PER_ENTRY)));
    }

    AccessLog(int capacity, int ringBytes) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.capacity = capacity;
        this.maxRingBytes = ringBytes;
        this.ring = new byte[Math.min(ringBytes, INITIAL_RING_BYTES)];
        this.offsets = new int[capacity];
        this.lengths = new int[capacity];
        // An entry then never needs more than half the ring (21 fields of up to 3 UTF-8 bytes per char).
        this.maxFieldChars = Math.max(16, Math.min(MAX_FIELD_CHARS, (ringBytes / 2 - 256) / (STRING_FIELDS * 3)));
    }

    /** Keeps {@code entry} (its own {@code seq} is ignored) and returns the sequence number it was given. */
    public synchronized long append(AccessLogEntry entry) {
        long seq = nextSeq++;
        int len = encode(seq, entry, maxFieldChars);
        if (nextSeq - firstSeq > capacity) {
            firstSeq++;
        }
        int at = write;
        while (at + len > ring.length && !wrappedOnce && ring.length < maxRingBytes) {
            // Entries still lie in order from offset 0, so a larger copy keeps them where they are.
            ring = java.util.Arrays.copyOf(ring, (int) Math.min(maxRingBytes, ring.length * 2L));
        }
        boolean wrapped = at + len > ring.length;
        wrappedOnce |= wrapped;
        if (wrapped) {
            at = 0;
        }
        while (firstSeq < seq) {
            int o = offsets[slot(firstSeq)];
            // Live entries run from the oldest's offset to write (cyclically); wrapping abandons [write, end) too.
            if ((o >= at && o < at + len) || (wrapped && o >= write)) {
                firstSeq++;
            } else {
                break;
            }
        }
        System.arraycopy(scratch, 0, ring, at, len);
        offsets[slot(seq)] = at;
        lengths[slot(seq)] = len;
        write = at + len;
        return seq;
    }

    /**
     * Entries with a sequence number greater than {@code seq}, oldest first. Only the copy of their bytes happens
     * under the lock the appending event loops take; decoding happens after.
     */
    public List<AccessLogEntry> since(long seq) {
        byte[] copy;
        int[] starts;
        synchronized (this) {
            long from = Math.max(seq + 1, firstSeq);
            int count = (int) Math.max(0, nextSeq - from);
            starts = new int[count];
            int total = 0;
            for (int i = 0; i < count; i++) {
                starts[i] = total;
                total += lengths[slot(from + i)];
            }
            copy = new byte[total];
            for (int i = 0; i < count; i++) {
                int slot = slot(from + i);
                System.arraycopy(ring, offsets[slot], copy, starts[i], lengths[slot]);
            }
        }
        List<AccessLogEntry> out = new ArrayList<>(starts.length);
        for (int start : starts) {
            out.add(new Reader(copy, start).entry());
        }
        return out;
    }

    public List<AccessLogEntry> all() {
        return since(0);
    }

    private int slot(long seq) {
        return (int) ((seq - 1) % capacity);
    }

    // Layout: seq, start seconds, start nanos, response code, bytes received, bytes sent, duration, then the string
    // fields in record order, each as a length (-1 for null) and its UTF-8 bytes.

    private int encode(long seq, AccessLogEntry e, int maxChars) {
        int n = 0;
        n = putLong(n, seq);
        n = putLong(n, e.startTime().getEpochSecond());
        n = putInt(n, e.startTime().getNano());
        n = putInt(n, e.responseCode());
        n = putLong(n, e.bytesReceived());
        n = putLong(n, e.bytesSent());
        n = putLong(n, e.durationMs());
        for (String s : new String[] {
            e.method(),
            e.path(),
            e.protocol(),
            e.responseFlags(),
            e.responseCodeDetails(),
            e.connectionTerminationDetails(),
            e.upstreamTransportFailureReason(),
            e.upstreamServiceTime(),
            e.xForwardedFor(),
            e.userAgent(),
            e.requestId(),
            e.authority(),
            e.upstreamHost(),
            e.upstreamCluster(),
            e.upstreamLocalAddress(),
            e.downstreamLocalAddress(),
            e.downstreamRemoteAddress(),
            e.requestedServerName(),
            e.routeName(),
            e.direction(),
            e.listener(),
            e.downstreamPeerUriSan(),
            e.grpcStatus()
        }) {
            n = putString(n, s, maxChars);
        }
        return n;
    }

    private void ensure(int n, int more) {
        if (n + more > scratch.length) {
            byte[] bigger = new byte[Math.max(scratch.length * 2, n + more)];
            System.arraycopy(scratch, 0, bigger, 0, n);
            scratch = bigger;
        }
    }

    private int putLong(int n, long v) {
        n = putInt(n, (int) (v >>> 32));
        return putInt(n, (int) v);
    }

    private int putInt(int n, int v) {
        ensure(n, 4);
        scratch[n] = (byte) (v >>> 24);
        scratch[n + 1] = (byte) (v >>> 16);
        scratch[n + 2] = (byte) (v >>> 8);
        scratch[n + 3] = (byte) v;
        return n + 4;
    }

    private int putString(int n, String s, int maxChars) {
        if (s == null) {
            return putInt(n, -1);
        }
        if (s.length() > maxChars) {
            s = s.substring(0, maxChars);
        }
        int lengthAt = n;
        n += 4;
        ensure(n, s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                // Not ASCII: let the JDK encode the whole string.
                byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
                ensure(lengthAt + 4, utf8.length);
                System.arraycopy(utf8, 0, scratch, lengthAt + 4, utf8.length);
                putInt(lengthAt, utf8.length);
                return lengthAt + 4 + utf8.length;
            }
            scratch[n++] = (byte) c;
        }
        putInt(lengthAt, s.length());
        return n;
    }

    /** Decodes one entry from the ring. */
    private static final class Reader {
        private final byte[] b;
        private int p;

        Reader(byte[] b, int p) {
            this.b = b;
            this.p = p;
        }

        AccessLogEntry entry() {
            long seq = getLong();
            Instant start = Instant.ofEpochSecond(getLong(), getInt());
            int code = getInt();
            long received = getLong();
            long sent = getLong();
            long duration = getLong();
            // The string fields in the order encode() wrote them.
            return AccessLogEntry.builder()
                    .seq(seq)
                    .startTime(start)
                    .responseCode(code)
                    .bytesReceived(received)
                    .bytesSent(sent)
                    .durationMs(duration)
                    .method(str())
                    .path(str())
                    .protocol(str())
                    .responseFlags(str())
                    .responseCodeDetails(str())
                    .connectionTerminationDetails(str())
                    .upstreamTransportFailureReason(str())
                    .upstreamServiceTime(str())
                    .xForwardedFor(str())
                    .userAgent(str())
                    .requestId(str())
                    .authority(str())
                    .upstreamHost(str())
                    .upstreamCluster(str())
                    .upstreamLocalAddress(str())
                    .downstreamLocalAddress(str())
                    .downstreamRemoteAddress(str())
                    .requestedServerName(str())
                    .routeName(str())
                    .direction(str())
                    .listener(str())
                    .downstreamPeerUriSan(str())
                    .grpcStatus(str())
                    .build();
        }

        private int getInt() {
            int v = ((b[p] & 0xff) << 24) | ((b[p + 1] & 0xff) << 16) | ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
            p += 4;
            return v;
        }

        private long getLong() {
            return ((long) getInt() << 32) | (getInt() & 0xffffffffL);
        }

        private String str() {
            int len = getInt();
            if (len < 0) {
                return null;
            }
            String s = new String(b, p, len, StandardCharsets.UTF_8);
            p += len;
            return s;
        }
    }
}
