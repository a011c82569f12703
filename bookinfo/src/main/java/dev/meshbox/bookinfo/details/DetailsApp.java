package dev.meshbox.bookinfo.details;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.bookinfo.http.JsonReplies;
import dev.meshbox.bookinfo.http.ProductId;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.Map;

/** details v1: static book details; it calls no other service. */
public final class DetailsApp {
    private final JsonReplies replies;

    public DetailsApp(ObjectMapper json) {
        this.replies = new JsonReplies(json);
    }

    public void routes(RoutesConfig routes) {
        routes.get("/health", ctx -> replies.send(ctx, 200, Map.of("status", "Details is healthy")));
        routes.get("/details/{id}", this::details);
    }

    private void details(Context ctx) {
        ProductId.parse(ctx.pathParam("id"))
                .ifPresentOrElse(
                        id -> replies.send(ctx, 200, BookDetails.comedyOfErrors(id.value())),
                        () -> replies.send(ctx, 400, Map.of("error", "please provide numeric product id")));
    }
}
