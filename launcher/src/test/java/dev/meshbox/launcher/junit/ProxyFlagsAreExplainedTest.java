package dev.meshbox.launcher.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.scenarios.ResponseFlag;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The proxy keeps its own enum of Envoy's response flags (it depends on nothing); {@link ResponseFlag} gives each its
 * meaning for the extension's explanations, the scenario reports and the UI. The two lists must be the same codes in
 * the same order, Envoy's.
 */
class ProxyFlagsAreExplainedTest {

    @Test
    void theProxysFlagsAndTheirMeaningsAreTheSameListInEnvoysOrder() {
        assertThat(Arrays.stream(dev.meshbox.proxy.http.ResponseFlag.values()).map(Enum::name))
                .containsExactlyElementsOf(
                        Arrays.stream(ResponseFlag.values()).map(Enum::name).toList());
    }
}
