package dev.meshbox.launcher.backend;

import java.util.Arrays;
import java.util.Locale;

/**
 * Which of Istio's multi-cluster models a multi-cluster mesh runs: today's multi-primary (remote secrets, east-west
 * gateways on several networks) or the older replicated control planes with {@code .global} names (Istio 1.1 to 1.7).
 */
public enum MultiClusterModel {
    /** Every control plane watches every cluster's registry; one name serves from every cluster. */
    MULTI_PRIMARY("multi-primary"),
    /** Control planes know only their own cluster; remote services are ServiceEntries named NAME.NS.global. */
    GLOBAL("global");

    private final String word;

    MultiClusterModel(String word) {
        this.word = word;
    }

    /** The word a scenario's {@code multicluster:} and {@code up --multicluster} take. */
    public String word() {
        return word;
    }

    /**
     * The model a word names.
     *
     * @throws IllegalArgumentException naming the words there are
     */
    public static MultiClusterModel of(String word) {
        String w = word.toLowerCase(Locale.ROOT);
        return Arrays.stream(values())
                .filter(m -> m.word.equals(w))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown multi-cluster model \"" + word
                        + "\"; use multi-primary (remote secrets, today's Istio) or global (.global names,"
                        + " Istio 1.1 to 1.7)"));
    }
}
