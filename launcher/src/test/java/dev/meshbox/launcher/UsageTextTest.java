package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command's help as the user reads it: a shell variable an option's description quotes (Istio's
 * {@code ${CTX_CLUSTER1}}) is printed as written, not looked up by picocli and printed as {@code null}.
 */
class UsageTextTest {

    @Test
    void noHelpTextPrintsAnUnsetVariableAsNull() {
        for (Class<?> c : Main.SUBCOMMANDS) {
            String usage = new CommandLine(c).getUsageMessage(CommandLine.Help.Ansi.OFF);
            assertThat(usage).as("meshbox %s --help", c.getSimpleName()).doesNotContainPattern("\\bnull\\b");
        }
    }

    @Test
    void theShellVariablesTheDescriptionsQuoteAreKept() {
        assertThat(new CommandLine(dev.meshbox.launcher.cli.UpCommand.class).getUsageMessage(CommandLine.Help.Ansi.OFF))
                .contains("--context=\"${CTX_CLUSTER1}\"");
        assertThat(new CommandLine(dev.meshbox.launcher.cli.ApplyCommand.class)
                        .getUsageMessage(CommandLine.Help.Ansi.OFF)
                        .replaceAll("\\s+", " "))
                .contains("${CLUSTERn_GW_ADDR} in the YAML");
    }
}
