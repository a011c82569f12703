package dev.meshbox.bookinfo.http;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A complete HTTP response from the mesh.
 *
 * @param headers lower-cased names to their values in arrival order
 */
public record MeshResponse(int status, Map<String, List<String>> headers, byte[] body) {
    public MeshResponse {
        headers = Map.copyOf(headers);
        body = body.clone();
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    public boolean isOk() {
        return status == 200;
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(java.util.Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(values.size() - 1));
    }
}
