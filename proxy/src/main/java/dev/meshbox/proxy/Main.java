package dev.meshbox.proxy;

import java.io.IOException;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs one sidecar or gateway until the process is killed, for backends that give each proxy its own process or
 * container: {@code --role sidecar --pod reviews-v1-abc --namespace default --label app=reviews --label version=v1
 * --xds istiod:15010 --ip auto --app-probe 127.0.0.1:9080}. The node id is Istio's, built from the pod IP, so the
 * control plane recognises the pod it registered. Exit status 2 means a bad command line, 1 a failed start.
 */
public final class Main {

    static final String USAGE = String.join(
            "\n",
            "usage: proxy --role sidecar|gateway --pod NAME --xds HOST:PORT [options]",
            "  --role ROLE           sidecar (a pod's proxy) or gateway (an ingress gateway)",
            "  --pod NAME            the pod name, as the control plane's registry knows it",
            "  --namespace NS        default: default (gateways: istio-system)",
            "  --label KEY=VALUE     a pod label (repeat it): app, version, ...",
            "  --xds HOST:PORT       the control plane's ADS server, e.g. istiod:15010",
            "  --ip IP|auto          the pod IP to bind and to name the node with; auto takes the first non-loopback IPv4",
            "                        address of this network namespace (default: auto)",
            "  --app-probe HOST:PORT ready only once the app accepts connections there (default: none)",
            "  --wildcard WHICH      none, reserved or all: which ports bind 0.0.0.0 instead of the pod IP; reserved",
            "                        (Istio's 15000-15099) lets kubectl port-forward reach a sidecar (default: none)",
            "  --seed N              make every random choice reproducible by request id",
            "  --proxy-config JSON   Istio's ProxyConfig for this proxy (a pod's proxy.istio.io/config annotation, as",
            "                        JSON), sent to the control plane as node metadata PROXY_CONFIG",
            "  --help                print this and exit");

    /** The parsed command line. */
    record Args(
            ProxyRole role,
            String pod,
            String namespace,
            Map<String, String> labels,
            InetSocketAddress xds,
            String ip,
            InetSocketAddress appProbe,
            Long seed,
            ProxyOptions.Wildcard wildcard,
            com.google.protobuf.Struct proxyConfig) {}

    /** A command line that cannot be used, with the reason. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    private Main() {}

    public static void main(String[] argv) throws InterruptedException {
        // A proxy process of its own runs without Netty's buffer leak sampling, as a production proxy does (it records
        // a
        // stack trace for one buffer in 128 and on every release of those: 2 % of the CPU at saturation,
        // async-profiler).
        // Tests and the embedded mesh keep it; -Dio.netty.leakDetection.level=simple brings it back here.
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }
        int status = run(argv, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    static int run(String[] argv, PrintStream out, PrintStream err) throws InterruptedException {
        if (List.of(argv).contains("--help")) {
            out.println(USAGE);
            return 0;
        }
        Args args;
        InetAddress ip;
        try {
            args = parse(argv);
            ip = args.ip().equals("auto") ? podAddress() : InetAddress.getByName(args.ip());
        } catch (UsageException | IOException e) {
            err.println("proxy: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        String type = args.role() == ProxyRole.GATEWAY ? "router" : "sidecar";
        String nodeId = type + "~" + ip.getHostAddress() + "~" + args.pod() + "." + args.namespace() + "~"
                + args.namespace() + ".svc.cluster.local";
        String app = args.labels().getOrDefault("app", args.labels().getOrDefault("istio", args.pod()));
        ProxyOptions.Builder options = ProxyOptions.builder(nodeId, ip, args.xds())
                .nodeCluster(app + "." + args.namespace())
                .labels(args.labels())
                .namespace(args.namespace())
                .podName(args.pod())
                .role(args.role())
                .wildcard(args.wildcard())
                .proxyConfig(args.proxyConfig());
        if (args.seed() != null) {
            options.explicitSeed(args.seed());
        }
        Proxy proxy;
        try {
            proxy = Proxy.start(options.build());
        } catch (RuntimeException e) {
            err.println("proxy: " + e.getMessage());
            return 1;
        }
        if (args.appProbe() != null) {
            proxy.readinessGate(new AppProbe(args.appProbe()));
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            proxy.close();
                            stopped.countDown();
                        },
                        "proxy-shutdown"));
        out.printf(
                "proxy: %s %s (pod IP %s), xDS %s:%d%n",
                args.role().name().toLowerCase(java.util.Locale.ROOT),
                args.pod(),
                ip.getHostAddress(),
                args.xds().getHostString(),
                args.xds().getPort());
        proxy.ready().thenRun(() -> out.println("proxy: ready"));
        stopped.await();
        return 0;
    }

    static Args parse(String[] argv) throws UsageException {
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> labels = new LinkedHashMap<>();
        List<String> known = List.of(
                "--role",
                "--pod",
                "--namespace",
                "--label",
                "--xds",
                "--ip",
                "--app-probe",
                "--seed",
                "--wildcard",
                "--proxy-config");
        for (int i = 0; i < argv.length; i++) {
            String flag = argv[i];
            if (!known.contains(flag)) {
                throw new UsageException(flag + ": unknown option; expected one of " + known);
            }
            if (i + 1 >= argv.length) {
                throw new UsageException(flag + ": needs a value");
            }
            String value = argv[++i];
            if (flag.equals("--label")) {
                int eq = value.indexOf('=');
                if (eq <= 0) {
                    throw new UsageException("--label " + value + ": expected KEY=VALUE, e.g. app=reviews");
                }
                labels.put(value.substring(0, eq), value.substring(eq + 1));
            } else {
                values.put(flag, value);
            }
        }
        String roleText = required(values, "--role");
        ProxyRole role = switch (roleText) {
            case "sidecar" -> ProxyRole.SIDECAR;
            case "gateway" -> ProxyRole.GATEWAY;
            default -> throw new UsageException("--role " + roleText + ": expected sidecar or gateway");
        };
        String namespace = values.getOrDefault("--namespace", role == ProxyRole.GATEWAY ? "istio-system" : "default");
        Long seed = null;
        if (values.containsKey("--seed")) {
            try {
                seed = Long.parseLong(values.get("--seed"));
            } catch (NumberFormatException e) {
                throw new UsageException("--seed " + values.get("--seed") + ": expected an integer");
            }
        }
        String wildcardText = values.getOrDefault("--wildcard", "none");
        ProxyOptions.Wildcard wildcard = switch (wildcardText) {
            case "none" -> ProxyOptions.Wildcard.NONE;
            case "reserved" -> ProxyOptions.Wildcard.RESERVED;
            case "all" -> ProxyOptions.Wildcard.ALL;
            default -> throw new UsageException("--wildcard " + wildcardText + ": expected none, reserved or all");
        };
        InetSocketAddress probe =
                values.containsKey("--app-probe") ? hostPort("--app-probe", values.get("--app-probe")) : null;
        return new Args(
                role,
                required(values, "--pod"),
                namespace,
                labels,
                hostPort("--xds", required(values, "--xds")),
                values.getOrDefault("--ip", "auto"),
                probe,
                seed,
                wildcard,
                proxyConfig(values.get("--proxy-config")));
    }

    /** {@code --proxy-config}: a JSON object, Istio's ProxyConfig fields. */
    static com.google.protobuf.Struct proxyConfig(String json) throws UsageException {
        if (json == null || json.isBlank()) {
            return com.google.protobuf.Struct.getDefaultInstance();
        }
        com.google.protobuf.Struct.Builder b = com.google.protobuf.Struct.newBuilder();
        try {
            com.google.protobuf.util.JsonFormat.parser().merge(json, b);
        } catch (com.google.protobuf.InvalidProtocolBufferException | RuntimeException e) {
            throw new UsageException("--proxy-config " + json + ": expected a JSON object (Istio's ProxyConfig, e.g."
                    + " {\"tracing\":{\"sampling\":10}}): " + e.getMessage());
        }
        return b.build();
    }

    private static String required(Map<String, String> values, String flag) throws UsageException {
        String v = values.get(flag);
        if (v == null || v.isBlank()) {
            throw new UsageException(flag + ": is required");
        }
        return v;
    }

    static InetSocketAddress hostPort(String flag, String value) throws UsageException {
        int colon = value.lastIndexOf(':');
        try {
            int port = Integer.parseInt(value.substring(colon + 1));
            if (colon <= 0 || port < 1 || port > 65535) {
                throw new NumberFormatException();
            }
            return InetSocketAddress.createUnresolved(value.substring(0, colon), port);
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " " + value + ": expected HOST:PORT with a port 1..65535");
        }
    }

    /** The pod IP: the first IPv4 address of an up, non-loopback interface (eth0 in a container). */
    static InetAddress podAddress() throws IOException {
        List<NetworkInterface> interfaces = new ArrayList<>(Collections.list(NetworkInterface.getNetworkInterfaces()));
        interfaces.sort(java.util.Comparator.comparing(NetworkInterface::getName));
        for (NetworkInterface nic : interfaces) {
            try {
                if (!nic.isUp() || nic.isLoopback()) {
                    continue;
                }
            } catch (SocketException e) {
                continue;
            }
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                if (a instanceof Inet4Address) {
                    return a;
                }
            }
        }
        throw new IOException("--ip auto: this network namespace has no non-loopback IPv4 address; pass --ip");
    }

    /** Ready once a TCP connect to the app succeeds; it stays ready (a dead app is its container's business). */
    static final class AppProbe implements java.util.function.BooleanSupplier {
        private final InetSocketAddress target;
        private final AtomicBoolean seen = new AtomicBoolean();

        AppProbe(InetSocketAddress target) {
            this.target = target;
        }

        @Override
        public boolean getAsBoolean() {
            if (seen.get()) {
                return true;
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(target.getHostString(), target.getPort()), 200);
                seen.set(true);
                return true;
            } catch (IOException e) {
                return false;
            }
        }
    }
}
