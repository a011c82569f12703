package dev.meshbox.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The JSON schema editors use agrees with the loader: every shipped scenario is valid under both. */
class ScenarioSchemaTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static JsonSchema schema() throws IOException {
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7)
                .getSchema(Files.newInputStream(Path.of("scenario.schema.json")));
    }

    /** The scenarios shipped here and under security/ (Istio's security tasks); istio/ holds config, not scenarios. */
    static Stream<Path> shipped() throws IOException {
        try (Stream<Path> top = Files.list(Path.of("."));
                Stream<Path> security = Files.list(Path.of("security"))) {
            return Stream.concat(top, security).filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shipped")
    void shippedScenarioIsValidForTheSchemaAndTheLoader(Path file) throws IOException {
        Set<ValidationMessage> problems = schema().validate(YAML.readTree(file.toFile()));
        assertThat(problems).isEmpty();
        assertThat(new ScenarioLoader().load(file).steps()).isNotEmpty();
    }

    @Test
    void schemaRejectsWhatTheLoaderRejects() throws IOException {
        JsonNode bad = YAML.readTree("""
                name: x
                steps:
                  - trafic: {path: /productpage}
                    expect:
                      - versionShare: {service: reviews, shares: {v1: 1.5}}
                """);
        assertThat(schema().validate(bad))
                .extracting(ValidationMessage::getMessage)
                .anySatisfy(m -> assertThat(m).contains("trafic"))
                .anySatisfy(m -> assertThat(m).contains("shares.v1: must have a maximum value of 1"));
    }
}
