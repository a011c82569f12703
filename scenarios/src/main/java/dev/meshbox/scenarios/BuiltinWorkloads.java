package dev.meshbox.scenarios;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The built-in workloads by name, in a namespace ({@code httpbin.foo}, as Istio's tasks call them), as a service
 * account, with or without a sidecar. Scenario files and {@code @MeshTest} read them with the same rules, so both
 * refuse the same mistakes with the same words.
 */
public final class BuiltinWorkloads {

    /** Workloads MeshBox can start by name. */
    public static final Set<String> NAMES = Set.of(
            "bookinfo",
            "httpbin",
            "httpbin-v2",
            "sleep",
            "fortio",
            "grpc-echo",
            "cnn",
            "tcp-echo",
            "helloworld",
            "helloworld-v1",
            "helloworld-v2");

    /** The keys of a built-in workload's object form: {@code {sleep: {namespace: legacy, sidecar: false}}}. */
    public static final Set<String> OPTIONS =
            Set.of("namespace", "serviceAccount", "sidecar", "grpc", "locality", "localities");

    private static final String DNS_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private static final String DNS_SUBDOMAIN = "[a-z0-9]([-a-z0-9.]*[a-z0-9])?";

    private BuiltinWorkloads() {}

    /** A workload read, or the problems that stopped it (each a sentence naming the field it is about). */
    public record Parsed(Optional<Scenario.Builtin> workload, List<String> problems) {}

    /**
     * {@code NAME} or {@code NAME.NAMESPACE} ({@code sleep.legacy}), with a sidecar and the sample's service account.
     */
    public static Parsed parse(String text) {
        int dot = text.indexOf('.');
        String name = dot < 0 ? text : text.substring(0, dot);
        String namespace = dot < 0 ? Scenario.Builtin.DEFAULT_NAMESPACE : text.substring(dot + 1);
        return of(name, namespace, Optional.empty(), true);
    }

    /** The workload with explicit options; every problem is reported, not only the first. */
    public static Parsed of(String name, String namespace, Optional<String> serviceAccount, boolean sidecar) {
        return of(name, namespace, serviceAccount, sidecar, false);
    }

    /**
     * The workload with explicit options, {@code proxylessGrpc} for a client whose gRPC calls are proxyless (no sidecar:
     * give {@code sidecar} false with it).
     */
    public static Parsed of(
            String name, String namespace, Optional<String> serviceAccount, boolean sidecar, boolean proxylessGrpc) {
        List<String> problems = new ArrayList<>();
        if (proxylessGrpc && !name.equals("sleep")) {
            problems.add(
                    "grpc.proxyless is for the sleep client (a proxyless gRPC client sends, it serves nothing), got "
                            + name);
        }
        if (proxylessGrpc && sidecar) {
            problems.add("a proxyless gRPC client runs without a sidecar (Istio's grpc-agent template); leave sidecar"
                    + " out or set it false");
        }
        if (!NAMES.contains(name)) {
            problems.add("unknown workload \"" + name + "\"; expected one of "
                    + NAMES.stream().sorted().toList() + ", optionally in a namespace as NAME.NAMESPACE (httpbin.foo)");
        }
        if (!namespace.matches(DNS_LABEL) || namespace.length() > 63) {
            problems.add("namespace \"" + namespace + "\" must be a DNS label (a-z, 0-9, '-'), such as foo or legacy");
        }
        serviceAccount
                .filter(sa -> !sa.matches(DNS_SUBDOMAIN) || sa.length() > 253)
                .ifPresent(sa -> problems.add("serviceAccount \"" + sa
                        + "\" must be a Kubernetes name (a-z, 0-9, '-', '.'), such as httpbin"));
        if (name.equals("bookinfo")) {
            if (!namespace.equals(Scenario.Builtin.DEFAULT_NAMESPACE)) {
                problems.add("bookinfo runs in namespace default only (its gateway config names it), got " + namespace);
            }
            if (serviceAccount.isPresent()) {
                problems.add("bookinfo's services have their own service accounts (bookinfo-productpage, ...),"
                        + " as bookinfo.yaml gives them; leave serviceAccount out");
            }
            if (!sidecar) {
                problems.add("bookinfo runs with sidecars only; use httpbin or sleep without a sidecar");
            }
        }
        return new Parsed(
                problems.isEmpty()
                        ? Optional.of(new Scenario.Builtin(name, namespace, serviceAccount, sidecar, proxylessGrpc))
                        : Optional.empty(),
                List.copyOf(problems));
    }

    /**
     * The service account Istio's sample gives the workload's pods: {@code httpbin} (samples/httpbin/httpbin.yaml),
     * {@code sleep} (samples/sleep/sleep.yaml), {@code bookinfo-APP} for each Bookinfo app (bookinfo.yaml); fortio's
     * sample names none, so {@code default}.
     */
    public static String serviceAccount(Scenario.Builtin w, String app) {
        if (w.serviceAccount().isPresent()) {
            return w.serviceAccount().get();
        }
        return switch (w.name()) {
            case "bookinfo" -> "bookinfo-" + app;
            case "httpbin", "httpbin-v2" -> "httpbin";
            case "sleep" -> "sleep";
            default -> "default";
        };
    }
}
