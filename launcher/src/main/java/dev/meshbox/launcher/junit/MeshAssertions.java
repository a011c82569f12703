package dev.meshbox.launcher.junit;

/**
 * AssertJ entry point for what a mesh did. Import it next to AssertJ's own {@code assertThat}; Java picks this one
 * for {@link Responses}:
 *
 * <pre>{@code
 * import static dev.meshbox.launcher.junit.MeshAssertions.assertThat;
 * import static org.assertj.core.api.Assertions.within;
 *
 * assertThat(mesh.send(1000, get("http://reviews:9080/reviews/0").from("productpage")))
 *         .hasVersionShare("v2", 0.10, within(0.03));
 * }</pre>
 */
public final class MeshAssertions {

    private MeshAssertions() {}

    public static ResponsesAssert assertThat(Responses actual) {
        return new ResponsesAssert(actual);
    }

    /** Assertions on the traces of some responses ({@link Responses#traces()}). */
    public static TracesAssert assertThat(Traces actual) {
        return new TracesAssert(actual);
    }
}
