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
 * no keys (its tokens are rejected) and a warning. A URI that just failed is not tried again by {@link #resolve} for
 * {@link #RETRY_AFTER} (a burst of rebuilds must not each wait on a dead server); {@link #refresh}, which the control
 * plane runs in the background, retries it and says whether anything changed, so the mesh is rebuilt once it answers.
 */
public final class JwksResolver {

    /** istiod's default refresh interval ({@code PILOT_JWT_PUB_KEY_REFRESH_INTERVAL}). */
    public static final Duration DEFAULT_REFRESH = Duration.ofMinutes(20);

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** How long a failed URI is left alone by {@link #resolve}. */
    public static final Duration RETRY_AFTER = Duration.ofSeconds(5);

    private record Entry(String document, Instant fetched) {}

    /** Made on the first fetch: most meshes have no jwksUri, and a client (its TLS context, its selector) is dear. */
    private HttpClient http;

    private final Clock clock;
    private final Duration refresh;
    private final Map<String, Entry> cache = new ConcurrentHashMap<>();
    private final Map<String, Instant> failed = new ConcurrentHashMap<>();

    public JwksResolver(Clock clock, Duration refresh) {
        this.clock = clock;
        this.refresh = refresh;
    }

    private synchronized HttpClient http() {
        if (http == null) {
            http = HttpClient.newBuilder()
                    .connectTimeout(TIMEOUT)
                    .followRedirects(HttpClient.Redirect.NORMAL)
                    .build();
        }
        return http;
    }

    public JwksResolver() {
        this(Clock.systemUTC(), DEFAULT_REFRESH);
    }

    /** The documents of {@code uris} that are known, fetching those missing or stale; by URI. */
    public Map<String, String> resolve(Collection<String> uris) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String uri : uris) {
            Instant now = clock.instant();
            Instant lastFailure = failed.get(uri);
            boolean resting =
                    lastFailure != null && Duration.between(lastFailure, now).compareTo(RETRY_AFTER) < 0;
            if (due(uri, now) && !resting) {
                fetchInto(uri, now);
            }
            Entry e = cache.get(uri);
            if (e != null) {
                out.put(uri, e.document());
            }
        }
        return out;
    }

    /**
     * Fetches those of {@code uris} never fetched, failed or stale; whether a document appeared or changed (the
     * proxies then need a rebuild). Called periodically off the request path.
     */
    public boolean refresh(Collection<String> uris) {
        boolean changed = false;
        for (String uri : uris) {
            Instant now = clock.instant();
            if (due(uri, now)) {
                Entry before = cache.get(uri);
                fetchInto(uri, now);
                Entry after = cache.get(uri);
                changed |=
                        after != null && (before == null || !before.document().equals(after.document()));
            }
        }
        return changed;
    }

    private boolean due(String uri, Instant now) {
        Entry e = cache.get(uri);
        return e == null
                || failed.containsKey(uri)
                || Duration.between(e.fetched(), now).compareTo(refresh) >= 0;
    }

    private void fetchInto(String uri, Instant now) {
        String fetched = fetch(uri);
        if (fetched != null) {
            cache.put(uri, new Entry(fetched, now));
            failed.remove(uri);
        } else {
            failed.put(uri, now);
        }
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
            HttpResponse<String> response = http().send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? response.body() : null;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
