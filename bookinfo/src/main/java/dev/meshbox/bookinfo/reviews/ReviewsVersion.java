package dev.meshbox.bookinfo.reviews;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * What tells the three reviews versions apart: whether they ask ratings, how long they wait, and the
 * star colour users see. The timeouts are Bookinfo's hard-coded ones; v3's 2.5 s is what a ratings delay
 * fault runs into.
 */
public enum ReviewsVersion {
    V1(false, Duration.ZERO, ""),
    V2(true, Duration.ofSeconds(10), "black"),
    V3(true, Duration.ofMillis(2500), "red");

    private final boolean callsRatings;
    private final Duration ratingsTimeout;
    private final String starColor;

    ReviewsVersion(boolean callsRatings, Duration ratingsTimeout, String starColor) {
        this.callsRatings = callsRatings;
        this.ratingsTimeout = ratingsTimeout;
        this.starColor = starColor;
    }

    /** {@code "v2"} to {@link #V2}; empty for a version reviews does not have. */
    public static Optional<ReviewsVersion> of(String label) {
        for (ReviewsVersion v : values()) {
            if (v.label().equals(label)) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean callsRatings() {
        return callsRatings;
    }

    public Duration ratingsTimeout() {
        return ratingsTimeout;
    }

    public String starColor() {
        return starColor;
    }
}
