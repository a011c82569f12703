package dev.meshbox.proxy.http;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** The {@code Date} header's value, formatted once per second rather than once per response. */
final class HttpDate {

    private static final DateTimeFormatter FORMAT = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    private record Formatted(long epochSecond, String text) {}

    private static volatile Formatted last = new Formatted(Long.MIN_VALUE, "");

    private HttpDate() {}

    static String of(Instant now) {
        Formatted f = last;
        long second = now.getEpochSecond();
        if (f.epochSecond() != second) {
            f = new Formatted(second, FORMAT.format(Instant.ofEpochSecond(second)));
            last = f;
        }
        return f.text();
    }
}
