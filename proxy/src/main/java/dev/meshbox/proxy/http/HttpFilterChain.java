package dev.meshbox.proxy.http;

import dev.meshbox.proxy.route.FilterConfig;
import dev.meshbox.proxy.route.Route;
import java.util.List;

/**
 * A connection manager's HTTP filters, built once per listener update from its {@code http_filters} list, the router
 * last. A filter can be off for a route: the route's per-filter config disables it, or the filter is disabled by
 * default ({@code http_filters[].disabled}) and the route does not configure it.
 */
public final class HttpFilterChain {

    /** One filter in the chain; {@code disabledByDefault} as the list entry's {@code disabled}. */
    public record Entry(HttpFilter filter, boolean disabledByDefault) {}

    private final List<Entry> entries;

    public HttpFilterChain(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    public static HttpFilterChain of(HttpFilter... filters) {
        return new HttpFilterChain(
                List.of(filters).stream().map(f -> new Entry(f, false)).toList());
    }

    public int size() {
        return entries.size();
    }

    public HttpFilter filter(int index) {
        return entries.get(index).filter();
    }

    /** Whether filter {@code index} runs for a request on {@code route} (null when no route matched). */
    public boolean enabledFor(int index, Route route) {
        Entry e = entries.get(index);
        FilterConfig override =
                route == null ? null : route.filterConfig(e.filter().name());
        if (override == FilterConfig.DISABLED) {
            return false;
        }
        return !e.disabledByDefault() || override != null;
    }

    public List<String> names() {
        return entries.stream().map(e -> e.filter().name()).toList();
    }
}
