package dev.meshbox.bookinfo;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link Main}'s command line, parsed by hand so the module needs no CLI library.
 * {@code --service} and {@code --version} are required; the rest default to what a lone pod would use.
 */
record MainArgs(AppContext context, boolean help) {
  static final String USAGE = String.join("\n",
      "usage: bookinfo --service NAME --version VERSION [options]",
      "  --service NAME        productpage | details | reviews | ratings",
      "  --version VERSION     v1 (reviews also v2, v3)",
      "  --pod NAME            pod name reported by reviews (default: NAME-VERSION)",
      "  --namespace NS        default: default",
      "  --listen HOST:PORT    address to bind (default: 0.0.0.0:9080)",
      "  --proxy HOST:PORT     the sidecar's outbound listener (default: 127.0.0.1:15001)",
      "  --help                print this and exit");

  private static final List<String> FLAGS =
      List.of("--service", "--version", "--pod", "--namespace", "--listen", "--proxy");

  /** A command line that cannot be run; the message says which argument and why. */
  static final class UsageException extends Exception {
    UsageException(String message) {
      super(message);
    }
  }

  static MainArgs parse(String... args) throws UsageException {
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        return new MainArgs(null, true);
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
    String service = required(values, "--service");
    String version = required(values, "--version");
    String pod = values.getOrDefault("--pod", service + "-" + version);
    String namespace = values.getOrDefault("--namespace", "default");
    InetSocketAddress listen = address("--listen", values.getOrDefault("--listen", "0.0.0.0:9080"), 0);
    InetSocketAddress proxy = address("--proxy", values.getOrDefault("--proxy", "127.0.0.1:15001"), 1);
    return new MainArgs(new AppContext(service, version, pod, namespace, listen, proxy), false);
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
