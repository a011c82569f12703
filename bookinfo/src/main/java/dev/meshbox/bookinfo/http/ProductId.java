package dev.meshbox.bookinfo.http;

import java.util.Optional;
import java.util.regex.Pattern;

/** A numeric product id as details and ratings accept it; anything else is the caller's 400. */
public record ProductId(long value) {
    private static final Pattern NUMERIC = Pattern.compile("-?\\d{1,18}");

    public static Optional<ProductId> parse(String text) {
        return text != null && NUMERIC.matcher(text).matches()
                ? Optional.of(new ProductId(Long.parseLong(text)))
                : Optional.empty();
    }
}
