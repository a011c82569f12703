package dev.meshbox.bookinfo.reviews;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.bookinfo.http.ForwardedHeaders;
import dev.meshbox.bookinfo.http.Http1Client;
import dev.meshbox.bookinfo.http.Http1Response;
import dev.meshbox.bookinfo.http.JsonReplies;
import dev.meshbox.bookinfo.http.PathSegment;
import dev.meshbox.bookinfo.http.Upstream;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * reviews v1/v2/v3: two fixed reviews; v2 and v3 add stars from ratings. A failed ratings call never
 * fails reviews: each review carries a rating error instead, which productpage shows to the user.
 */
public final class ReviewsApp {
    private static final Logger LOG = LoggerFactory.getLogger(ReviewsApp.class);

    private record Review(String reviewer, String text) {}

    private static final List<Review> REVIEWS = List.of(
            new Review(
                    "Reviewer1", "An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!"),
            new Review(
                    "Reviewer2",
                    "Absolutely fun and entertaining. The play lacks thematic depth when compared "
                            + "to other plays by Shakespeare."));

    private final String podName;
    private final ReviewsVersion version;
    private final Http1Client mesh;
    private final JsonReplies replies;
    private final ObjectMapper json;

    public ReviewsApp(String podName, ReviewsVersion version, Http1Client mesh, ObjectMapper json) {
        this.podName = Objects.requireNonNull(podName, "podName");
        this.version = Objects.requireNonNull(version, "version");
        this.mesh = Objects.requireNonNull(mesh, "mesh");
        this.json = Objects.requireNonNull(json, "json");
        this.replies = new JsonReplies(json);
    }

    public void routes(RoutesConfig routes) {
        routes.get("/health", ctx -> replies.send(ctx, 200, Map.of("status", "Reviews is healthy")));
        routes.get("/reviews/{id}", this::reviews);
    }

    private void reviews(Context ctx) {
        String productId = ctx.pathParam("id");
        Optional<JsonNode> ratings =
                version.callsRatings() ? fetchRatings(productId, ForwardedHeaders.from(ctx::header)) : Optional.empty();
        List<ReviewsReply.Entry> entries = new ArrayList<>();
        for (Review review : REVIEWS) {
            entries.add(new ReviewsReply.Entry(review.reviewer(), review.text(), rating(review, ratings)));
        }
        replies.send(ctx, 200, new ReviewsReply(productId, podName, "null", entries));
    }

    private ReviewsReply.Rating rating(Review review, Optional<JsonNode> ratings) {
        if (!version.callsRatings()) {
            return null;
        }
        return ratings.map(body -> body.path("ratings").path(review.reviewer()))
                .filter(JsonNode::isInt)
                .map(stars -> ReviewsReply.Rating.stars(stars.intValue(), version.starColor()))
                .orElseGet(ReviewsReply.Rating::unavailable);
    }

    /** One attempt, as Bookinfo's reviews makes; retries are the mesh's business. */
    private Optional<JsonNode> fetchRatings(String productId, ForwardedHeaders headers) {
        String path = "/ratings/" + PathSegment.encode(productId);
        try {
            Http1Response response = mesh.send(Upstream.RATINGS.get(path, headers), version.ratingsTimeout());
            if (!response.isOk()) {
                LOG.debug("{}: ratings answered {}", podName, response.status());
                return Optional.empty();
            }
            return Optional.of(json.readTree(response.body()));
        } catch (IOException e) {
            LOG.debug("{}: ratings call failed: {}", podName, e.toString());
            return Optional.empty();
        }
    }
}
