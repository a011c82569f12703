package dev.meshbox.proxy.http;

/**
 * A key of a request's filter state: a value one filter leaves for itself or for other filters (Envoy's
 * {@code FilterState}), such as the peer the metadata exchange learned, which the stats filter reads.
 */
public final class FilterStateKey<T> {

    private final String name;
    private final Class<T> type;

    public FilterStateKey(String name, Class<T> type) {
        this.name = name;
        this.type = type;
    }

    T cast(Object value) {
        return type.cast(value);
    }

    @Override
    public String toString() {
        return name;
    }
}
