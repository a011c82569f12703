package dev.meshbox.controlplane.jwks;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fetches JWKS documents by URI over HTTP and caches them, as istiod's {@code JwksResolver} does for the
 * RequestAuthentication rules whose keys Envoy is not asked to fetch: a document is fetched when first needed (5 s
 * timeout), served from the cache afterwards, and fetched again once older than the refresh interval. A failed fetch
 * keeps the last good document; a URI never fetched successfully is left out, and translation then gives its provider
 * no keys (its tokens are rejected) and a warning.
 */
public final class JwksResolver {

    /** istiod's default refresh interval ({@code PILOT_JWT_PUB_KEY_REFRESH_INTERVAL}). */
    public static final Duration DEFAULT_REFRESH = Duration.ofMinutes(20);

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private record Entry(String document, Instant fetched) {}

    private final HttpClient http;
    private final Clock clock;
    private final Duration refresh;
    private final Map<String, Entry> cache = new ConcurrentHashMap<>();

    public JwksResolver(Clock clock, Duration refresh) {
        this.http = HttpClient.newBuilder()
                .connectTimeout(TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        this.clock = clock;
        this.refresh = refresh;
    }

    public JwksResolver() {
        this(Clock.systemUTC(), DEFAULT_REFRESH);
    }

    /** The documents of {@code uris} that are known, fetching those missing or stale; by URI. */
    public Map<String, String> resolve(Collection<String> uris) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String uri : uris) {
            Entry e = cache.get(uri);
            Instant now = clock.instant();
            if (e == null || Duration.between(e.fetched(), now).compareTo(refresh) >= 0) {
                String fetched = fetch(uri);
                if (fetched != null) {
                    e = new Entry(fetched, now);
                    cache.put(uri, e);
                }
            }
            if (e != null) {
                out.put(uri, e.document());
            }
        }
        return out;
    }

    /** How many fetches succeeded and are cached (for tests). */
    public int cached() {
        return cache.size();
    }

    private String fetch(String uri) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(uri))
                    .timeout(TIMEOUT)
                    .GET()
                    .build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? response.body() : null;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
