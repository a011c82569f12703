package dev.meshbox.scenarios;

/** A scenario file that cannot be run: the message names the file, the line where known, the key and the expectation. */
public final class ScenarioException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ScenarioException(String message) {
        super(message);
    }
}
