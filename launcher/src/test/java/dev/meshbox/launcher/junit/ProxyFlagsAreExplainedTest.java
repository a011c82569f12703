package dev.meshbox.launcher.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.proxy.forward.ResponseFlags;
import dev.meshbox.scenarios.ResponseFlag;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The proxy keeps its own enum of the flags it sets (it depends on nothing); every one of them must have a meaning in
 * {@link ResponseFlag}, which the extension's explanations, the scenario reports and the UI read.
 */
class ProxyFlagsAreExplainedTest {

    @Test
    void everyFlagTheProxyLogsHasAMeaning() {
        assertThat(Arrays.stream(ResponseFlags.values()).map(Enum::name))
                .allSatisfy(code -> assertThat(ResponseFlag.of(code)).as(code).isPresent());
    }

    @Test
    void theProxyPrintsSeveralFlagsInEnvoysOrder() {
        assertThat(Arrays.stream(ResponseFlags.values())
                        .map(f -> ResponseFlag.of(f.name()).orElseThrow().ordinal())
                        .toList())
                .isSorted();
    }
}
