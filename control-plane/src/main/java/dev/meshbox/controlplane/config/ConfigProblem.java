package dev.meshbox.controlplane.config;

/**
 * One thing wrong with applied configuration, worded for the person who wrote the YAML:
 * {@code reviews.yaml: VirtualService default/reviews: spec.http[0].route[1].weight: must be >= 0, got -10}.
 *
 * @param source   the file (or "inline", "request") the document came from
 * @param resource {@code Kind namespace/name}, or empty when the document has no usable identity
 * @param field    the path of the offending field, or empty for a whole-document problem
 * @param message  what is expected
 */
public record ConfigProblem(String source, String resource, String field, String message) {

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(source);
        if (!resource.isEmpty()) {
            sb.append(": ").append(resource);
        }
        if (!field.isEmpty()) {
            sb.append(": ").append(field);
        }
        return sb.append(": ").append(message).toString();
    }
}
