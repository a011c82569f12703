package dev.meshbox.launcher.engine;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The labels on everything MeshBox creates in an engine. Without Ryuk nothing reaps a killed run's leftovers, so
 * the labels are how the next run finds them: {@code dev.meshbox=true} marks ours, {@code dev.meshbox.kind} says
 * what it is, and containers and networks name the process that owns them, so a janitor can tell a crashed run's
 * debris from a mesh another process is still running.
 */
public final class Labels {

    public static final String MESHBOX = "dev.meshbox";
    public static final String KIND = "dev.meshbox.kind";
    public static final String OWNER = "dev.meshbox.owner";

    private Labels() {}

    /** Labels for an image: no owner, since images are the cache and outlive every run. */
    public static Map<String, String> image(String kind) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(MESHBOX, "true");
        labels.put(KIND, kind);
        return labels;
    }

    /** Labels for a container or network owned by this process. */
    public static Map<String, String> owned(String kind) {
        Map<String, String> labels = image(kind);
        labels.put(OWNER, ownerOf(ProcessHandle.current().pid()));
        return labels;
    }

    /** The owner label of a process on this host. */
    public static String ownerOf(long pid) {
        return pid + "@" + hostName();
    }

    /**
     * Whether a labelled resource belongs to no live process: its owner label is missing or malformed, or names a
     * process on this host that has exited. An owner on another host (a shared remote engine) is never stale here.
     */
    static boolean isStale(Map<String, String> labels, String thisHost, java.util.function.LongPredicate alive) {
        String owner = labels == null ? null : labels.get(OWNER);
        if (owner == null) {
            return true;
        }
        int at = owner.indexOf('@');
        if (at <= 0) {
            return true;
        }
        if (!owner.substring(at + 1).equals(thisHost)) {
            return false;
        }
        try {
            return !alive.test(Long.parseLong(owner.substring(0, at)));
        } catch (NumberFormatException e) {
            return true;
        }
    }

    static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return Optional.ofNullable(System.getenv("HOSTNAME")).orElse("localhost");
        }
    }
}
