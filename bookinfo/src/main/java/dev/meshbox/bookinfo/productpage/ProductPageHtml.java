package dev.meshbox.bookinfo.productpage;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;

/**
 * Renders /productpage. Markup that scenarios and users look for is fixed: each filled star is an element
 * with {@code id="glyphicon glyphicon-star"} (an invalid, repeated id, kept because that is what people
 * grep Bookinfo pages for), each empty one {@code glyphicon glyphicon-star-empty}, and a review's stars sit
 * in a container with class {@code text-<color>-500}.
 */
final class ProductPageHtml {
    private static final int MAX_STARS = 5;

    /** A details JSON field and the label the page gives it. */
    private record DetailField(String key, String label) {}

    private static final List<DetailField> DETAIL_FIELDS = List.of(
            new DetailField("type", "Type"), new DetailField("pages", "Pages"),
            new DetailField("publisher", "Publisher"), new DetailField("language", "Language"),
            new DetailField("ISBN-10", "ISBN-10"), new DetailField("ISBN-13", "ISBN-13"));

    /** Everything one page shows. */
    record Page(Optional<String> user, Product product, BackendReply details, BackendReply reviews) {}

    String render(Page page) {
        StringBuilder html = new StringBuilder(4096);
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>Simple Bookstore App</title>\n")
                .append("<link rel=\"stylesheet\" href=\"/static/bookinfo.css\">\n</head>\n<body>\n");
        navigation(html, page.user());
        html.append("<main>\n<header class=\"product\">\n<h1>")
                .append(Html.escape(page.product().title()))
                .append("</h1>\n<p class=\"summary\">")
                .append(page.product().descriptionHtml())
                .append("</p>\n</header>\n")
                .append("<div class=\"columns\">\n");
        details(html, page.details());
        reviews(html, page.reviews());
        html.append("</div>\n</main>\n");
        footer(html, page.reviews());
        return html.append("</body>\n</html>\n").toString();
    }

    private static void navigation(StringBuilder html, Optional<String> user) {
        html.append("<nav class=\"navbar\">\n<a class=\"brand\" href=\"/productpage\">BookInfo Sample</a>\n");
        if (user.isPresent()) {
            html.append("<span class=\"session\">Signed in as <b class=\"user\">")
                    .append(Html.escape(user.get()))
                    .append("</b> <a class=\"button\" href=\"/logout\">Sign out</a></span>\n");
        } else {
            html.append("<form class=\"login\" method=\"post\" action=\"/login\">\n")
                    .append("<input type=\"text\" name=\"username\" placeholder=\"User name\" required>\n")
                    .append("<input type=\"password\" name=\"passwd\" placeholder=\"Password\">\n")
                    .append("<button type=\"submit\">Sign in</button>\n</form>\n");
        }
        html.append("</nav>\n");
    }

    private static void details(StringBuilder html, BackendReply details) {
        html.append("<section class=\"details\">\n");
        if (!details.ok()) {
            error(html, "Error fetching product details", details.body());
        } else {
            html.append("<h2>Book Details</h2>\n<dl>\n");
            for (DetailField field : DETAIL_FIELDS) {
                JsonNode value = details.body().path(field.key());
                if (!value.isMissingNode() && !value.isNull()) {
                    html.append("<dt>")
                            .append(field.label())
                            .append(":</dt><dd>")
                            .append(Html.escape(value.asText()))
                            .append("</dd>\n");
                }
            }
            html.append("</dl>\n");
        }
        html.append("</section>\n");
    }

    private static void reviews(StringBuilder html, BackendReply reviews) {
        html.append("<section class=\"reviews\">\n");
        if (!reviews.ok()) {
            error(html, "Error fetching product reviews", reviews.body());
        } else {
            html.append("<h2>Book Reviews</h2>\n");
            for (JsonNode review : reviews.body().path("reviews")) {
                review(html, review);
            }
        }
        html.append("</section>\n");
    }

    private static void review(StringBuilder html, JsonNode review) {
        html.append("<blockquote class=\"review\">\n<p>")
                .append(Html.escape(review.path("text").asText()))
                .append("</p>\n<small class=\"reviewer\">")
                .append(Html.escape(review.path("reviewer").asText()))
                .append("</small>\n");
        JsonNode rating = review.path("rating");
        if (rating.path("stars").isInt()) {
            stars(html, rating.path("stars").intValue(), rating.path("color").asText("black"));
        } else if (rating.has("error")) {
            String error = rating.path("error").asText();
            html.append("<p class=\"rating-error\"><i>")
                    .append(Html.escape(error.isBlank() ? "Ratings service is currently unavailable" : error))
                    .append("</i></p>\n");
        }
        html.append("</blockquote>\n");
    }

    private static void stars(StringBuilder html, int stars, String color) {
        int filled = Math.max(0, Math.min(MAX_STARS, stars));
        html.append("<div class=\"stars text-").append(safeColor(color)).append("-500\">");
        for (int i = 0; i < MAX_STARS; i++) {
            html.append(
                    i < filled
                            ? "<span id=\"glyphicon glyphicon-star\" class=\"star filled\">&#9733;</span>"
                            : "<span id=\"glyphicon glyphicon-star-empty\" class=\"star empty\">&#9734;</span>");
        }
        html.append("</div>\n");
    }

    /** The colour becomes part of a class name; anything but a plain word falls back to black. */
    private static String safeColor(String color) {
        return !color.isEmpty() && color.chars().allMatch(c -> c >= 'a' && c <= 'z') ? color : "black";
    }

    private static void error(StringBuilder html, String title, JsonNode body) {
        html.append("<h2 class=\"error\">")
                .append(title)
                .append("</h2>\n<p class=\"error\">")
                .append(Html.escape(body.path("error").asText()))
                .append("</p>\n");
    }

    private static void footer(StringBuilder html, BackendReply reviews) {
        JsonNode podname = reviews.ok() ? reviews.body().path("podname") : null;
        if (podname != null && podname.isTextual()) {
            html.append("<footer>\n<p class=\"served-by\">Reviews served by: ")
                    .append(Html.escape(podname.asText()))
                    .append("</p>\n</footer>\n");
        }
    }
}
