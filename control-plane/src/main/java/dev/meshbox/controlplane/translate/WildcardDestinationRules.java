package dev.meshbox.controlplane.translate;

import dev.meshbox.controlplane.config.DestinationRule;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * DestinationRules whose host is a wildcard ({@code *.global}, {@code *.local}, {@code *}): they apply to every host
 * they cover that no rule names exactly, the longest suffix winning, as Istio's {@code MostSpecificHostMatch} picks
 * them. Istio 1.4's {@code istio-multicluster-destinationrule} ({@code *.global}, ISTIO_MUTUAL) is one.
 */
final class WildcardDestinationRules {

    private WildcardDestinationRules() {}

    static Optional<DestinationRule> mostSpecific(List<DestinationRule> rules, String fqdn) {
        String host = fqdn.toLowerCase(Locale.ROOT);
        return rules.stream()
                .filter(dr -> covers(dr.host().toLowerCase(Locale.ROOT), host))
                .min(Comparator.comparing((DestinationRule dr) -> -dr.host().length())
                        .thenComparing(dr -> dr.meta().key()));
    }

    private static boolean covers(String wildcard, String host) {
        if (wildcard.equals("*")) {
            return true;
        }
        return wildcard.startsWith("*.") && host.endsWith(wildcard.substring(1));
    }
}
