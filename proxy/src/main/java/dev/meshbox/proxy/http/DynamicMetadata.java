package dev.meshbox.proxy.http;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A request's dynamic metadata (Envoy's {@code StreamInfo::dynamicMetadata}): per filter name, a JSON-like map
 * (String, Number, Boolean, List, Map values) a filter leaves for later filters and the access log. The JWT filter
 * puts the verified token's payload under {@code envoy.filters.http.jwt_authn} / {@code payload}; the RBAC filter
 * matches request principals and claims against it. Lives in the exchange's filter state ({@link #of}).
 */
public final class DynamicMetadata {

    public static final FilterStateKey<DynamicMetadata> KEY =
            new FilterStateKey<>("dynamic_metadata", DynamicMetadata.class);

    private final Map<String, Map<String, Object>> byFilter = new HashMap<>();

    /** The exchange's metadata, created empty on first use. */
    public static DynamicMetadata of(HttpExchange exchange) {
        DynamicMetadata m = exchange.filterState(KEY);
        if (m == null) {
            m = new DynamicMetadata();
            exchange.filterState(KEY, m);
        }
        return m;
    }

    /** Sets {@code key} of {@code filter}'s namespace. */
    public void put(String filter, String key, Object value) {
        byFilter.computeIfAbsent(filter, f -> new HashMap<>()).put(key, value);
    }

    public Map<String, Object> filter(String filter) {
        return byFilter.getOrDefault(filter, Map.of());
    }

    /** The value at {@code path} (keys into nested maps) under {@code filter}, or null. */
    public Object value(String filter, List<String> path) {
        Object current = byFilter.get(filter);
        for (String key : path) {
            if (!(current instanceof Map<?, ?> map)) {
                return null;
            }
            current = map.get(key);
        }
        return current;
    }
}
