package dev.meshbox.controlplane.gatewayapi;

/** A status condition as Kubernetes writes it: {@code Accepted=True (Accepted): Route was valid}. */
public record Condition(String type, boolean status, String reason, String message) {

    static Condition ok(String type, String reason, String message) {
        return new Condition(type, true, reason, message);
    }

    static Condition failed(String type, String reason, String message) {
        return new Condition(type, false, reason, message);
    }

    @Override
    public String toString() {
        return type + "=" + (status ? "True" : "False") + " (" + reason + "): " + message;
    }
}
