package dev.meshbox.bookinfo.reviews;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * The body of {@code GET /reviews/<id>}.
 *
 * @param clustername Istio's reviews reads it from an unset variable, so it is literally "null"
 */
@JsonPropertyOrder({"id", "podname", "clustername", "reviews"})
public record ReviewsReply(String id, String podname, String clustername, List<Entry> reviews) {
    public ReviewsReply {
        reviews = List.copyOf(reviews);
    }

    /** One review; {@code rating} is absent in v1. */
    @JsonPropertyOrder({"reviewer", "text", "rating"})
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Entry(String reviewer, String text, Rating rating) {}

    /** Either stars and a colour, or an error when ratings could not be reached. */
    @JsonPropertyOrder({"stars", "color", "error"})
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Rating(Integer stars, String color, String error) {
        public static final String UNAVAILABLE = "Ratings service is currently unavailable";

        public static Rating stars(int stars, String color) {
            return new Rating(stars, color, null);
        }

        public static Rating unavailable() {
            return new Rating(null, null, UNAVAILABLE);
        }
    }
}
