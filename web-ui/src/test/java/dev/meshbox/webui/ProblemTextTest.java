package dev.meshbox.webui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.config.ConfigProblem;
import dev.meshbox.controlplane.config.ConfigStore;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The editor applies through the mesh's writer, which reports problems as text (whichever backend applied them); the
 * editor takes each apart again to place it at its line.
 */
class ProblemTextTest {

    @ParameterizedTest
    @ValueSource(strings = {"""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reviews, subset: v1}
                      weight: 110
                    - destination: {host: reviews, subset: v2}
                      weight: -10
                """, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: headers}
                spec:
                  hosts: [reviews]
                  http:
                  - headers:
                      request:
                        add: {":path": /x}
                    route:
                    - destination: {host: reviews}
                """, "a: [\n b", "# nothing but a comment\n", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                spec:
                  hosts: [reviews]
                """})
    void everyProblemTheControlPlaneReportsIsTakenApartAsItWasPutTogether(String yaml) {
        List<ConfigProblem> problems =
                new ConfigStore().apply("editor.yaml", yaml).problems();
        assertThat(problems).isNotEmpty();

        for (ConfigProblem p : problems) {
            assertThat(ProblemLines.parse("editor.yaml", p.toString())).isEqualTo(p);
        }
    }

    @Test
    void aProblemOfAnotherSourceKeepsThatSource() {
        assertThat(ProblemLines.parse(
                        "editor.yaml", "dr.yaml: DestinationRule default/reviews: spec.subsets[0].name: is required"))
                .isEqualTo(new ConfigProblem(
                        "dr.yaml", "DestinationRule default/reviews", "spec.subsets[0].name", "is required"));
    }

    @Test
    void textThatIsNoProblemStaysAsTheMessage() {
        assertThat(ProblemLines.parse("editor.yaml", "something went wrong"))
                .isEqualTo(new ConfigProblem("", "", "", "something went wrong"));
    }

    @Test
    void theLineOfAProblemReportedAsTextIsFound() {
        String yaml = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reviews, subset: v1}
                      weight: -10
                """;
        List<String> reported = new ConfigStore()
                .apply("editor.yaml", yaml).problems().stream()
                        .map(ConfigProblem::toString)
                        .toList();

        List<ProblemLines.Located> located = ProblemLines.locate(yaml, "editor.yaml", reported);

        assertThat(located)
                .filteredOn(p -> p.field().equals("spec.http[0].route[0].weight"))
                .singleElement()
                .satisfies(p -> {
                    assertThat(p.line()).isEqualTo(9);
                    assertThat(p.resource()).isEqualTo("VirtualService default/reviews");
                    assertThat(p.text()).isEqualTo(reported.get(reported.indexOf(p.text())));
                });
    }
}
