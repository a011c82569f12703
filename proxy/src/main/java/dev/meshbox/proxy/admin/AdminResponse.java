package dev.meshbox.proxy.admin;

/** A small admin answer: status, content type and body text. */
public record AdminResponse(int status, String contentType, String body) {

    static AdminResponse text(int status, String body) {
        return new AdminResponse(status, "text/plain; charset=UTF-8", body);
    }

    static AdminResponse json(String body) {
        return new AdminResponse(200, "application/json", body);
    }
}
