package dev.meshbox.controlplane.xds;

import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.ResourceVersionResolver;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A type's version as a proxy that asks for some of its resources by name sees it: the digest over just those
 * resources, in the list's order, which for all of them is the type's own version. java-control-plane compares the
 * version a proxy holds with this one to decide whether to answer its open watch, so a proxy still asking for the
 * endpoints of the clusters it knew is not sent them again when only other clusters' endpoints changed (a
 * DestinationRule adding subsets); it asks for the new names once it has the new clusters, and gets them then.
 */
final class NamedVersions<T extends Message> implements ResourceVersionResolver {

    /** Name sets remembered per list; a proxy asks for one set, and a mesh has few distinct ones. */
    private static final int REMEMBERED = 64;

    private final List<T> messages;
    private final Function<T, String> name;
    private final Function<Message, byte[]> digest;
    private final String all;
    private final Map<List<String>, String> byNames = new ConcurrentHashMap<>();

    /**
     * @param messages the resources, in the order their type version was computed over
     * @param digest   each resource's digest, as the type version used it
     * @param all      the type version: the digest over every resource's digest
     */
    NamedVersions(List<T> messages, Function<T, String> name, Function<Message, byte[]> digest, String all) {
        this.messages = messages;
        this.name = name;
        this.digest = digest;
        this.all = all;
    }

    @Override
    public String version(List<String> resourceNames) {
        if (resourceNames.isEmpty()) {
            return all; // a wildcard subscription
        }
        String known = byNames.get(resourceNames);
        if (known != null) {
            return known;
        }
        String version = compute(resourceNames);
        if (byNames.size() >= REMEMBERED) {
            byNames.clear();
        }
        byNames.put(List.copyOf(resourceNames), version);
        return version;
    }

    @Override
    public String version() {
        return all;
    }

    private String compute(List<String> resourceNames) {
        Set<String> wanted = new HashSet<>(resourceNames);
        MessageDigest md = sha256();
        int matched = 0;
        for (T m : messages) {
            if (wanted.contains(name.apply(m))) {
                md.update(digest.apply(m));
                matched++;
            }
        }
        return matched == messages.size() ? all : HexFormat.of().formatHex(md.digest(), 0, 6);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
