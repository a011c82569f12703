package dev.meshbox.controlplane.xds;

import com.google.common.cache.CacheBuilder;
import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.SnapshotResources;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;

/**
 * Versions of xDS resources, computed from their content and remembered by identity.
 *
 * <p>A type's version is SHA-256 over the digests of its resources, in list order, so equal lists have equal versions
 * whoever built them and a change to one type leaves the others' versions, and what the proxies hold of them, alone.
 * A resource's digest is computed once per message object and a list's {@link Typed} once per list object: both caches
 * have weak keys, which compare by identity and let an entry go with the last snapshot holding its key. Proxies of one
 * group hold the very same lists, and unchanged lists survive rebuilds, so a push to 1000 sidecars serializes and
 * hashes each shared resource once.
 *
 * <p>Thread-safe: the caches are concurrent maps and their values immutable.
 */
final class ResourceVersions {

    /** What is derived from one list of resources of one type; immutable. */
    record Typed(String version, Set<String> names, SnapshotResources<?> resources) {}

    /** A resource's SHA-256, and its first 6 bytes in hex as the resource's own version. */
    private record Digest(byte[] bytes, String hex) {}

    private final ConcurrentMap<Message, Digest> digests =
            CacheBuilder.newBuilder().weakKeys().<Message, Digest>build().asMap();
    private final ConcurrentMap<List<?>, Typed> typed =
            CacheBuilder.newBuilder().weakKeys().<List<?>, Typed>build().asMap();

    /**
     * The version, the resource names and java-control-plane's immutable view of {@code list} (each resource with its
     * own version, the type's version per requested names by {@link NamedVersions}).
     */
    <T extends Message> Typed of(List<T> list, Function<T, String> name) {
        Typed known = typed.get(list); // a plain read first: the cache's compute path locks
        return known != null ? known : typed.computeIfAbsent(list, l -> derive(list, name));
    }

    private <T extends Message> Typed derive(List<T> list, Function<T, String> name) {
        String version = version(list);
        Set<String> names = new HashSet<>();
        list.forEach(m -> names.add(name.apply(m)));
        return new Typed(
                version,
                Set.copyOf(names),
                PrehashedSnapshot.resources(
                        list,
                        new NamedVersions<>(list, name, m -> digest(m).bytes(), version),
                        m -> digest(m).hex()));
    }

    /** The type version of {@code messages}: SHA-256 over their digests, the first 6 bytes in hex. */
    String version(List<? extends Message> messages) {
        MessageDigest md = NamedVersions.sha256();
        for (Message m : messages) {
            md.update(digest(m).bytes());
        }
        return HexFormat.of().formatHex(md.digest(), 0, 6);
    }

    private Digest digest(Message m) {
        Digest known = digests.get(m); // a plain read first: the cache's compute path locks
        return known != null
                ? known
                : digests.computeIfAbsent(m, x -> {
                    byte[] d = NamedVersions.sha256().digest(x.toByteArray());
                    return new Digest(d, HexFormat.of().formatHex(d, 0, 6));
                });
    }
}
