package dev.meshbox.proxy.http;

import io.netty.handler.codec.http.HttpHeaders;

/** Sizes on the wire, as Istio's request and response size metrics count them. */
final class MetricsSizes {

    private MetricsSizes() {}

    /** Approximate wire size of a header block: name, ": ", value, CRLF per header. */
    static long headerBytes(HttpHeaders headers) {
        long n = 0;
        var it = headers.iteratorCharSequence();
        while (it.hasNext()) {
            var e = it.next();
            n += e.getKey().length() + e.getValue().length() + 4;
        }
        return n;
    }
}
