package dev.meshbox.proxy.xds;

import java.time.Instant;
import java.util.Set;

/**
 * What the ADS client knows about one type: the version it last accepted, the last nonce it saw, the last
 * NACK (reason and rejected version, null once a later response is accepted), and its subscription.
 */
public record XdsTypeStatus(
        String typeUrl,
        String acceptedVersion,
        String lastNonce,
        String nackReason,
        String nackedVersion,
        Instant lastUpdate,
        Set<String> subscribedNames,
        long acks,
        long nacks) {}
