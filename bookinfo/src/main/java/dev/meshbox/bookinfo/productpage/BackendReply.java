package dev.meshbox.bookinfo.productpage;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What productpage got from a backend: the parsed body on 200, or the last status (500 when there was
 * no response at all) and an {@code {"error": ...}} body after the last failed attempt.
 */
record BackendReply(int status, JsonNode body) {
    boolean ok() {
        return status == 200;
    }
}
