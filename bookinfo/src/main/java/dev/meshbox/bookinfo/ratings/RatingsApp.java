package dev.meshbox.bookinfo.ratings;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.bookinfo.http.JsonReplies;
import dev.meshbox.bookinfo.http.ProductId;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/** ratings v1: fixed star counts per reviewer; it calls no other service. */
public final class RatingsApp {
    private final JsonReplies replies;

    public RatingsApp(ObjectMapper json) {
        this.replies = new JsonReplies(json);
    }

    /** The ratings body: {@code {"id":0,"ratings":{"Reviewer1":5,"Reviewer2":4}}}. */
    @JsonPropertyOrder({"id", "ratings"})
    public record ProductRatings(long id, Map<String, Integer> ratings) {
        public ProductRatings {
            ratings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(ratings));
        }

        static ProductRatings of(long id) {
            Map<String, Integer> stars = new LinkedHashMap<>();
            stars.put("Reviewer1", 5);
            stars.put("Reviewer2", 4);
            return new ProductRatings(id, stars);
        }
    }

    public void routes(RoutesConfig routes) {
        routes.get("/health", ctx -> replies.send(ctx, 200, Map.of("status", "Ratings is healthy")));
        routes.get("/ratings/{id}", this::ratings);
    }

    private void ratings(Context ctx) {
        ProductId.parse(ctx.pathParam("id"))
                .ifPresentOrElse(
                        id -> replies.send(ctx, 200, ProductRatings.of(id.value())),
                        () -> replies.send(ctx, 400, Map.of("error", "please provide numeric product ID")));
    }
}
