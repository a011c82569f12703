package dev.meshbox.bookinfo;

import dev.meshbox.bookinfo.echo.EchoBehaviour;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link Main}'s command line, parsed by hand so the module needs no CLI library.
 * {@code --service} and {@code --version} are required; the rest default to what a lone pod would use.
 * {@code --echo} runs the echo test app under the given service name, shaped by the echo flags.
 */
record MainArgs(AppContext context, Optional<EchoBehaviour> echo, boolean help, boolean grpcEcho) {

    MainArgs(AppContext context, Optional<EchoBehaviour> echo, boolean help) {
        this(context, echo, help, false);
    }

    static final String USAGE = String.join(
            "\n",
            "usage: bookinfo --service NAME --version VERSION [options]",
            "  --service NAME        productpage | details | reviews | ratings | httpbin; any name with --echo",
            "  --version VERSION     v1 (reviews also v2, v3; httpbin and echo any)",
            "  --pod NAME            pod name reported by reviews and echo (default: NAME-VERSION)",
            "  --namespace NS        default: default",
            "  --listen HOST:PORT    address to bind (default: 127.0.0.1:9080; httpbin 127.0.0.1:8080; containers pass 0.0.0.0)",
            "  --proxy HOST:PORT     the sidecar's outbound listener (default: 127.0.0.1:15001)",
            "  --echo                run the echo test app instead of a Bookinfo app or httpbin",
            "  --grpc-echo           run the gRPC echo app (meshbox.echo.Echo/Say, plaintext HTTP/2) instead",
            "  --latency-ms MS       echo: wait before every answer, 0.." + EchoBehaviour.MAX_LATENCY.toMillis()
                    + " (default: 0)",
            "  --error-rate R        echo: share of requests answered with the error status, 0..1 (default: 0)",
            "  --error-status CODE   echo: the injected error's status, 400..599 (default: 503)",
            "  --fail-first N        echo: the first N requests fail (default: 0)",
            "  --seed N              echo: seed for the error draws, for reproducible runs (default: random)",
            "  --help                print this and exit");

    private static final String ECHO = "--echo";
    private static final String GRPC_ECHO = "--grpc-echo";
    private static final List<String> FLAGS = List.of(
            "--service",
            "--version",
            "--pod",
            "--namespace",
            "--listen",
            "--proxy",
            "--latency-ms",
            "--error-rate",
            "--error-status",
            "--fail-first",
            "--seed");
    private static final List<String> ECHO_FLAGS =
            List.of("--latency-ms", "--error-rate", "--error-status", "--fail-first", "--seed");
    private static final String DEFAULT_LISTEN = "127.0.0.1:9080";
    private static final String HTTPBIN_LISTEN = "127.0.0.1:" + TestApps.HTTPBIN_CONTAINER_PORT;

    /** A command line that cannot be run; the message says which argument and why. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    static MainArgs parse(String... args) throws UsageException {
        Map<String, String> values = new HashMap<>();
        boolean echo = false;
        boolean grpcEcho = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                return new MainArgs(null, Optional.empty(), true);
            }
            if (arg.equals(GRPC_ECHO)) {
                if (grpcEcho) {
                    throw new UsageException(GRPC_ECHO + ": given more than once");
                }
                grpcEcho = true;
                continue;
            }
            if (arg.equals(ECHO)) {
                if (echo) {
                    throw new UsageException(ECHO + ": given more than once");
                }
                echo = true;
                continue;
            }
            if (arg.startsWith(ECHO + "=")) {
                throw new UsageException(ECHO + ": takes no value");
            }
            String flag = arg;
            String value;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                flag = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            } else {
                value = null;
            }
            if (!FLAGS.contains(flag)) {
                throw new UsageException("unknown argument '" + arg + "'");
            }
            if (value == null || value.isBlank()) {
                throw new UsageException(flag + ": needs a value");
            }
            if (values.put(flag, value) != null) {
                throw new UsageException(flag + ": given more than once");
            }
        }
        if (echo && grpcEcho) {
            throw new UsageException(ECHO + " and " + GRPC_ECHO + ": choose one");
        }
        String service = required(values, "--service");
        String version = required(values, "--version");
        String pod = values.getOrDefault("--pod", service + "-" + version);
        String namespace = values.getOrDefault("--namespace", "default");
        boolean httpbin = !echo && service.equals("httpbin");
        InetSocketAddress listen =
                address("--listen", values.getOrDefault("--listen", httpbin ? HTTPBIN_LISTEN : DEFAULT_LISTEN), 0);
        InetSocketAddress proxy = address("--proxy", values.getOrDefault("--proxy", "127.0.0.1:15001"), 1);
        AppContext context = new AppContext(service, version, pod, namespace, listen, proxy);
        if (!echo) {
            for (String flag : ECHO_FLAGS) {
                if (values.containsKey(flag)) {
                    throw new UsageException(flag + ": only with " + ECHO);
                }
            }
            return new MainArgs(context, Optional.empty(), false, grpcEcho);
        }
        return new MainArgs(context, Optional.of(echoBehaviour(values)), false);
    }

    private static EchoBehaviour echoBehaviour(Map<String, String> values) throws UsageException {
        EchoBehaviour behaviour = EchoBehaviour.defaults();
        for (String flag : ECHO_FLAGS) {
            String text = values.get(flag);
            if (text == null) {
                continue;
            }
            try {
                behaviour = switch (flag) {
                    case "--latency-ms" -> behaviour.withLatency(Duration.ofMillis(wholeNumber(flag, text)));
                    case "--error-rate" -> behaviour.withErrorRate(number(flag, text));
                    case "--error-status" -> behaviour.withErrorStatus(Math.toIntExact(wholeNumber(flag, text)));
                    case "--fail-first" -> behaviour.withFailFirst(Math.toIntExact(wholeNumber(flag, text)));
                    case "--seed" -> behaviour.withSeed(wholeNumber(flag, text));
                    default -> throw new IllegalStateException("unhandled echo flag " + flag);
                };
            } catch (EchoBehaviour.InvalidBehaviour e) {
                throw new UsageException(flag + ": " + e.expectation());
            } catch (ArithmeticException e) {
                throw new UsageException(flag + ": out of range, got " + text);
            }
        }
        return behaviour;
    }

    private static long wholeNumber(String flag, String text) throws UsageException {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new UsageException(flag + ": must be a whole number, got '" + text + "'");
        }
    }

    private static double number(String flag, String text) throws UsageException {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new UsageException(flag + ": must be a number, got '" + text + "'");
        }
    }

    private static String required(Map<String, String> values, String flag) throws UsageException {
        String value = values.get(flag);
        if (value == null) {
            throw new UsageException(flag + ": required");
        }
        return value;
    }

    /** HOST:PORT or [IPv6]:PORT; {@code minPort} is 0 where an ephemeral port makes sense. */
    static InetSocketAddress address(String flag, String text, int minPort) throws UsageException {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new UsageException(flag + ": expected HOST:PORT, got '" + text + "'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new UsageException(flag + ": write an IPv6 host in brackets, e.g. [::1]:9080, got '" + text + "'");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new UsageException(flag + ": port must be a number, got '" + text.substring(colon + 1) + "'");
        }
        if (port < minPort || port > 65535) {
            throw new UsageException(flag + ": port must be " + minPort + "..65535, got " + port);
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new UsageException(flag + ": cannot resolve host '" + host + "'");
        }
        return address;
    }
}
