package dev.meshbox.webui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.config.ConfigProblem;
import dev.meshbox.controlplane.config.ConfigStore;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The line of the editor's text that a control-plane problem is about, from its resource and field. */
class ProblemLinesTest {

    private static final String TWO_DOCS = """
            # subsets first
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: reviews
            spec:
              host: reviews
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
            spec:
              hosts:
              - reviews
              http:
              - route:
                - destination:
                    host: reviews
                    subset: v1
                  weight: 110
                - destination:
                    host: reviews
                    subset: v2
                  weight: -10
            """;

    private static int line(String text, ConfigProblem p) {
        return ProblemLines.locate(text, List.of(p)).get(0).line();
    }

    @Test
    void aFieldOfANamedResourceIsFoundInItsDocument() {
        assertThat(line(
                        TWO_DOCS,
                        new ConfigProblem(
                                "e.yaml",
                                "VirtualService default/reviews",
                                "spec.http[0].route[1].weight",
                                "must be >= 0")))
                .isEqualTo(25);
        assertThat(line(
                        TWO_DOCS,
                        new ConfigProblem(
                                "e.yaml",
                                "VirtualService default/reviews",
                                "spec.http[0].route[0].destination.subset",
                                "x")))
                .isEqualTo(20);
        assertThat(line(TWO_DOCS, new ConfigProblem("e.yaml", "DestinationRule default/reviews", "spec.host", "x")))
                .isEqualTo(7);
    }

    @Test
    void aDocumentWithoutANameIsFoundByItsNumberAndAMissingFieldByItsParent() {
        assertThat(line(TWO_DOCS, new ConfigProblem("e.yaml", "document 2", "metadata.labels", "x")))
                .isEqualTo(11);
        assertThat(line(TWO_DOCS, new ConfigProblem("e.yaml", "document 1", "", "x")))
                .isEqualTo(1);
    }

    @Test
    void aYamlSyntaxErrorKeepsTheParsersLine() {
        assertThat(line("a: [\n b", new ConfigProblem("e.yaml", "", "line 2, column 3", "is not valid YAML")))
                .isEqualTo(2);
    }

    @Test
    void anUnknownResourceHasNoLine() {
        assertThat(line(TWO_DOCS, new ConfigProblem("e.yaml", "Gateway default/other", "spec", "x")))
                .isZero();
    }

    @Test
    void theControlPlanesOwnProblemsAreLocated() {
        var problems = new ConfigStore().apply("broken.yaml", TWO_DOCS).problems();

        List<ProblemLines.Located> located = ProblemLines.locate(TWO_DOCS, problems);

        assertThat(located).isNotEmpty();
        assertThat(located)
                .filteredOn(p -> p.field().equals("spec.http[0].route[1].weight"))
                .singleElement()
                .satisfies(p -> {
                    assertThat(p.line()).isEqualTo(25);
                    assertThat(p.text())
                            .isEqualTo("broken.yaml: VirtualService default/reviews: spec.http[0].route[1].weight: "
                                    + p.message());
                });
    }
}
