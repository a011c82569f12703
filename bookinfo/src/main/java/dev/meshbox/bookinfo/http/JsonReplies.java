package dev.meshbox.bookinfo.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * Writes JSON bodies with the app's own mapper, so the output does not depend on which JSON mapper
 * Javalin would discover on the classpath.
 */
public final class JsonReplies {
    private final ObjectMapper json;

    public JsonReplies(ObjectMapper json) {
        this.json = Objects.requireNonNull(json, "json");
    }

    public void send(Context ctx, int status, Object body) {
        ctx.status(status).contentType("application/json").result(write(body));
    }

    public String write(Object body) {
        try {
            return json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot serialise " + body.getClass().getSimpleName(), e);
        }
    }
}
