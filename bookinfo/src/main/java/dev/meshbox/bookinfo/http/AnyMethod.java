package dev.meshbox.bookinfo.http;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.util.List;

/** Javalin routes by method; httpbin's {@code /anything} and the echo app answer every method on a path. */
public final class AnyMethod {
    private static final List<HandlerType> METHODS = List.of(
            HandlerType.GET,
            HandlerType.POST,
            HandlerType.PUT,
            HandlerType.PATCH,
            HandlerType.DELETE,
            HandlerType.HEAD,
            HandlerType.OPTIONS);

    private AnyMethod() {}

    public static void route(RoutesConfig routes, String path, Handler handler) {
        for (HandlerType method : METHODS) {
            routes.addHttpHandler(method, path, handler);
        }
    }
}
