package dev.meshbox.scenarios;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A gateway deployment the user adds, as one adds {@code my-ingress} or an egress gateway with Istio's gateway chart:
 * one pod running MeshBox's gateway proxy and no app, with its own labels (which a Gateway's {@code selector}
 * matches), namespace, service account and container ports, and a Service of its name mapping each port to the pod
 * (80 to 8080 and 443 to 8443, as Istio's ingress gateway; other ports to themselves). Traffic enters at it with
 * {@code from: NAME}.
 *
 * @param name           the Deployment and Service name, such as {@code my-ingress}
 * @param namespace      where it runs; {@code istio-system} by default, where Istio installs its gateways
 * @param labels         the pod labels; by default {@code app: NAME} and {@code istio: NAME}
 * @param ports          the Service ports, ascending; by default 80 and 443
 * @param serviceAccount the pod's service account; by default {@code NAME-service-account}, as Istio's chart
 */
public record GatewayWorkload(
        String name, String namespace, Map<String, String> labels, List<Integer> ports, String serviceAccount)
        implements Scenario.Workload {

    public static final String DEFAULT_NAMESPACE = "istio-system";
    public static final List<Integer> DEFAULT_PORTS = List.of(80, 443);

    private static final String DNS_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private static final String LABEL_KEY =
            "([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?";
    private static final String LABEL_VALUE = "([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?";

    public GatewayWorkload {
        labels = Map.copyOf(labels);
        ports = List.copyOf(ports);
    }

    /** The gateway with Istio's defaults: {@code istio-system}, labels {@code app} and {@code istio} = name, 80 and 443. */
    public static GatewayWorkload named(String name) {
        return new GatewayWorkload(
                name, DEFAULT_NAMESPACE, defaultLabels(name), DEFAULT_PORTS, name + "-service-account");
    }

    /**
     * The labels a gateway gets when none are given: {@code app: NAME} and {@code istio: NAME} without an
     * {@code istio-} prefix, as Istio's gateway charts label them ({@code istio-egressgateway} is {@code istio:
     * egressgateway}, which the egress gateway task's Gateway selects).
     */
    public static Map<String, String> defaultLabels(String name) {
        Map<String, String> l = new LinkedHashMap<>();
        l.put("app", name);
        l.put("istio", name.startsWith("istio-") ? name.substring("istio-".length()) : name);
        return l;
    }

    /** A gateway read, or the problems that stopped it (each a sentence naming the field it is about). */
    public record Parsed(Optional<GatewayWorkload> gateway, List<String> problems) {}

    /**
     * The text form of {@code @MeshTest(gateways = ...)} and {@code up --gateway}:
     * {@code NAME[.NAMESPACE][:PORT,PORT...]}, such as {@code my-ingress} or {@code my-ingress.istio-system:8080,8443};
     * labels {@code app} and {@code istio} are the name.
     */
    public static Parsed parse(String text) {
        String rest = text;
        List<Integer> ports = DEFAULT_PORTS;
        List<String> problems = new ArrayList<>();
        int colon = text.indexOf(':');
        if (colon >= 0) {
            rest = text.substring(0, colon);
            ports = new ArrayList<>();
            for (String p : text.substring(colon + 1).split(",", -1)) {
                try {
                    ports.add(Integer.parseInt(p.trim()));
                } catch (NumberFormatException e) {
                    problems.add("port \"" + p + "\" must be a number from 1 to 65535");
                }
            }
        }
        int dot = rest.indexOf('.');
        String name = dot < 0 ? rest : rest.substring(0, dot);
        String namespace = dot < 0 ? DEFAULT_NAMESPACE : rest.substring(dot + 1);
        Parsed p = of(name, namespace, defaultLabels(name), ports, Optional.empty());
        problems.addAll(p.problems());
        return new Parsed(problems.isEmpty() ? p.gateway() : Optional.empty(), List.copyOf(problems));
    }

    /** The gateway with explicit settings; every problem is reported, not only the first. */
    public static Parsed of(
            String name,
            String namespace,
            Map<String, String> labels,
            List<Integer> ports,
            Optional<String> serviceAccount) {
        List<String> problems = new ArrayList<>();
        if (!name.matches(DNS_LABEL) || name.length() > 63) {
            problems.add("name \"" + name + "\" must be a DNS label (a-z, 0-9, '-'), such as my-ingress");
        } else if (name.equals("istio-ingressgateway")) {
            problems.add("name istio-ingressgateway is the mesh's own ingress gateway, which every mesh has; "
                    + "name yours differently, such as my-ingress");
        }
        if (!namespace.matches(DNS_LABEL) || namespace.length() > 63) {
            problems.add("namespace \"" + namespace + "\" must be a DNS label (a-z, 0-9, '-'), such as istio-system");
        }
        if (labels.isEmpty()) {
            problems.add("labels must not be empty: a Gateway's selector matches them, such as {istio: " + name + "}");
        }
        labels.forEach((k, v) -> {
            if (!k.matches(LABEL_KEY) || !v.matches(LABEL_VALUE) || v.length() > 63) {
                problems.add("label " + k + ": " + v + " is not a valid Kubernetes label");
            }
        });
        if (ports.isEmpty()) {
            problems.add("ports must list at least one port, such as [80, 443]");
        }
        ports.stream()
                .filter(p -> p < 1 || p > 65535)
                .forEach(p -> problems.add("port " + p + " must be from 1 to 65535"));
        if (ports.stream().distinct().count() != ports.size()) {
            problems.add("ports " + ports + " lists a port twice");
        }
        serviceAccount
                .filter(sa -> !sa.matches(DNS_LABEL))
                .ifPresent(sa -> problems.add("serviceAccount \"" + sa + "\" must be a Kubernetes name"));
        if (!problems.isEmpty()) {
            return new Parsed(Optional.empty(), List.copyOf(problems));
        }
        return new Parsed(
                Optional.of(new GatewayWorkload(
                        name,
                        namespace,
                        labels,
                        ports.stream().sorted().toList(),
                        serviceAccount.orElse(name + "-service-account"))),
                List.of());
    }
}
