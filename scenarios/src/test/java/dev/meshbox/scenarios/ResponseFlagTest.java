package dev.meshbox.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** Envoy's response flags in words, as reports and failed assertions print them. */
class ResponseFlagTest {

    @Test
    void everyEnvoyFlagIsThereInEnvoysOrderWithAMeaning() {
        assertThat(ResponseFlag.allCodes())
                .containsExactly(
                        "LH", "UH", "UT", "LR", "UR", "UF", "UC", "UO", "NR", "DI", "FI", "RL", "UAEX", "RLSE", "DC",
                        "URX", "SI", "IH", "DPE", "UMSDR", "RFCF", "NFCF", "DT", "UPE", "NC", "OM", "DF", "DO");
        assertThat(ResponseFlag.values())
                .allSatisfy(
                        f -> assertThat(f.meaning()).as(f.code()).isNotBlank().doesNotEndWith("."));
    }

    @Test
    void oneFlagIsItsCodeWithItsMeaning() {
        assertThat(ResponseFlag.describe("UO"))
                .isEqualTo(
                        "UO (overflow: the DestinationRule's connectionPool limits were full, the circuit breaker refused it)");
        assertThat(ResponseFlag.describe("FI")).isEqualTo("FI (fault abort injected by a VirtualService)");
    }

    @Test
    void severalFlagsAreDescribedInTheirOrderSeparatedByCommas() {
        assertThat(ResponseFlag.describe("UF,URX"))
                .isEqualTo("UF (upstream connection failure: the proxy could not connect to the upstream), "
                        + "URX (retries exhausted: every attempt of the route's retry policy failed)");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"-", " - "})
    void noFlagIsADash(String flags) {
        assertThat(ResponseFlag.describe(flags)).isEqualTo("- (no flag)");
        assertThat(ResponseFlag.parse(flags)).isEmpty();
    }

    @Test
    void aCodeThisListLacksIsDescribedAsItIs() {
        assertThat(ResponseFlag.describe("UO,XX")).startsWith("UO (overflow").endsWith(", XX");
    }

    @Test
    void parseGivesTheFlagsAndNamesAnUnknownCode() {
        assertThat(ResponseFlag.parse("UF,URX")).containsExactly(ResponseFlag.UF, ResponseFlag.URX);
        assertThat(ResponseFlag.parse("UAEX")).containsExactly(ResponseFlag.UAEX);
        assertThatThrownBy(() -> ResponseFlag.parse("UO,OU"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("response flags \"UO,OU\": OU is not one of Envoy's response flags [LH, UH, ");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {"UF,URX | URX | true", "UF,URX | UF | true", "URX | UR | false", "- | UO | false", "UO | UO | true"
            })
    void hasMatchesWholeCodesOnly(String flags, String code, boolean has) {
        assertThat(ResponseFlag.has(flags, code)).as(flags + " has " + code).isEqualTo(has);
    }

    @Test
    void ofFindsOnlyExactCodes() {
        assertThat(ResponseFlag.of("NC")).contains(ResponseFlag.NC);
        assertThat(ResponseFlag.of("nc")).isEmpty();
        assertThat(ResponseFlag.of("")).isEmpty();
    }

    @Test
    void theScenarioSchemaOffersExactlyTheseFlags() throws IOException {
        JsonNode schema =
                new ObjectMapper().readTree(Path.of("scenario.schema.json").toFile());
        List<String> offered = new ArrayList<>();
        schema.findValues("responseFlags").stream()
                .map(n -> n.path("properties").path("flag").path("enum"))
                .filter(JsonNode::isArray)
                .forEach(e -> e.forEach(c -> offered.add(c.asText())));

        assertThat(offered).isEqualTo(ResponseFlag.allCodes());
    }
}
