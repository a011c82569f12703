package dev.meshbox.bookinfo;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.bookinfo.details.DetailsApp;
import dev.meshbox.bookinfo.http.Http1Client;
import dev.meshbox.bookinfo.productpage.ProductPageApp;
import dev.meshbox.bookinfo.productpage.SessionCookies;
import dev.meshbox.bookinfo.ratings.RatingsApp;
import dev.meshbox.bookinfo.reviews.ReviewsApp;
import dev.meshbox.bookinfo.reviews.ReviewsVersion;
import java.util.List;

/** The one entry point the launcher uses: a service name and version in, an unstarted workload out. */
public final class BookinfoApps {
    private static final List<String> SERVICES = List.of("productpage", "details", "reviews", "ratings");

    private BookinfoApps() {}

    /**
     * productpage v1, details v1, reviews v1|v2|v3, ratings v1.
     *
     * @throws IllegalArgumentException naming the service or version when Bookinfo has no such app
     */
    public static Workload create(AppContext ctx) {
        ObjectMapper json = new ObjectMapper();
        Http1Client mesh = Http1Client.perCall(ctx.outboundProxy());
        switch (ctx.service()) {
            case "productpage":
                requireVersion(ctx, "v1");
                return new JavalinWorkload(ctx, new ProductPageApp(mesh, SessionCookies.processWide(), json)::routes);
            case "details":
                requireVersion(ctx, "v1");
                return new JavalinWorkload(ctx, new DetailsApp(json)::routes);
            case "ratings":
                requireVersion(ctx, "v1");
                return new JavalinWorkload(ctx, new RatingsApp(json)::routes);
            case "reviews":
                ReviewsVersion version =
                        ReviewsVersion.of(ctx.version()).orElseThrow(() -> unknownVersion(ctx, "v1, v2, v3"));
                return new JavalinWorkload(ctx, new ReviewsApp(ctx.podName(), version, mesh, json)::routes);
            default:
                throw new IllegalArgumentException("unknown Bookinfo service '" + ctx.service() + "': expected one of "
                        + String.join(", ", SERVICES));
        }
    }

    private static void requireVersion(AppContext ctx, String only) {
        if (!ctx.version().equals(only)) {
            throw unknownVersion(ctx, only);
        }
    }

    private static IllegalArgumentException unknownVersion(AppContext ctx, String expected) {
        return new IllegalArgumentException("Bookinfo service '" + ctx.service() + "' has no version '" + ctx.version()
                + "': expected " + expected);
    }
}
