package dev.meshbox.bookinfo.productpage;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.bookinfo.http.ForwardedHeaders;
import dev.meshbox.bookinfo.http.Http1Client;
import dev.meshbox.bookinfo.http.JsonReplies;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.Optional;

/**
 * productpage v1: the HTML page and JSON API in front of details and reviews. The page always answers
 * 200; a failed backend becomes an error message on the page, which is what fault-injection tasks observe.
 */
public final class ProductPageApp {
    private static final String STYLESHEET = "/dev/meshbox/bookinfo/productpage/bookinfo.css";
    private static final long PAGE_PRODUCT_ID = 0;

    private final ProductBackends backends;
    private final SessionCookies sessions;
    private final JsonReplies replies;
    private final ProductPageHtml page = new ProductPageHtml();
    private final byte[] stylesheet;

    public ProductPageApp(Http1Client mesh, SessionCookies sessions, ObjectMapper json) {
        this.backends = new ProductBackends(Objects.requireNonNull(mesh, "mesh"), json);
        this.sessions = Objects.requireNonNull(sessions, "sessions");
        this.replies = new JsonReplies(json);
        this.stylesheet = loadStylesheet();
    }

    public void routes(RoutesConfig routes) {
        routes.get("/", ctx -> ctx.redirect("/productpage", HttpStatus.FOUND));
        routes.get("/health", ctx -> ctx.result("Product page is healthy"));
        routes.get("/productpage", this::productPage);
        routes.post("/login", this::login);
        routes.get("/logout", this::logout);
        routes.get("/api/v1/products", ctx -> replies.send(ctx, 200, Product.CATALOGUE));
        routes.get("/api/v1/products/{id}", ctx -> api(ctx, backends.details(ctx.pathParam("id"), forwarded(ctx))));
        routes.get(
                "/api/v1/products/{id}/reviews",
                ctx -> api(ctx, backends.reviews(ctx.pathParam("id"), forwarded(ctx))));
        routes.get(
                "/api/v1/products/{id}/ratings",
                ctx -> api(ctx, backends.ratings(ctx.pathParam("id"), forwarded(ctx))));
        routes.get(
                "/static/bookinfo.css",
                ctx -> ctx.contentType("text/css; charset=utf-8").result(stylesheet));
    }

    private void productPage(Context ctx) {
        Optional<String> user = user(ctx);
        ForwardedHeaders headers = forwarded(ctx);
        String id = Long.toString(PAGE_PRODUCT_ID);
        // Sequential, like Istio's productpage: the page's latency is details' plus reviews'.
        BackendReply details = backends.details(id, headers);
        BackendReply reviews = backends.reviews(id, headers);
        Product product = Product.byId(PAGE_PRODUCT_ID).orElseThrow();
        ctx.html(page.render(new ProductPageHtml.Page(user, product, details, reviews)));
    }

    private void login(Context ctx) {
        String raw = ctx.formParam("username");
        if (raw == null || raw.isBlank()) {
            // An empty sign-in form is not an error in Bookinfo: the visitor just stays anonymous.
            ctx.redirect("/productpage", HttpStatus.FOUND);
            return;
        }
        Optional<String> user = SessionCookies.validUser(raw);
        if (user.isEmpty()) {
            ctx.status(HttpStatus.BAD_REQUEST).result("username: must be 1-64 printable ASCII characters");
            return;
        }
        ctx.header(
                "Set-Cookie",
                SessionCookies.COOKIE + "=" + sessions.issue(user.get()) + "; Path=/; HttpOnly; SameSite=Lax");
        ctx.redirect("/productpage", HttpStatus.FOUND);
    }

    private void logout(Context ctx) {
        ctx.header("Set-Cookie", SessionCookies.COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
        ctx.redirect("/productpage", HttpStatus.FOUND);
    }

    private void api(Context ctx, BackendReply reply) {
        replies.send(ctx, reply.status(), reply.body());
    }

    private Optional<String> user(Context ctx) {
        return sessions.user(ctx.cookie(SessionCookies.COOKIE));
    }

    /**
     * The incoming propagated headers, with {@code end-user} set from the session when logged in. That
     * header is what VirtualServices match to send jason to reviews v2.
     */
    private ForwardedHeaders forwarded(Context ctx) {
        // Istio's productpage knows the user only from its session (BEHAVIOR.md): an incoming end-user header is
        // not passed on, so routing by user needs a login, as it does on Istio.
        ForwardedHeaders incoming = ForwardedHeaders.from(name -> name.equals("end-user") ? null : ctx.header(name));
        return user(ctx).map(user -> incoming.with("end-user", user)).orElse(incoming);
    }

    private static byte[] loadStylesheet() {
        try (InputStream in = ProductPageApp.class.getResourceAsStream(STYLESHEET)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + STYLESHEET + " in the bookinfo jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + STYLESHEET, e);
        }
    }
}
