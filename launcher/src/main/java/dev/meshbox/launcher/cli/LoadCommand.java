package dev.meshbox.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.scenarios.LoadGenerator;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code meshbox load}: a fortio-like client sending from a workload's sidecar, as in Istio's circuit-breaking task. */
@Command(
        name = "load",
        mixinStandardHelpOptions = true,
        description =
                "Send load from a workload's sidecar and print per-code counts and latency percentiles, as fortio does.")
public final class LoadCommand implements Callable<Integer> {

    @CommandLine.Option(names = "-c", defaultValue = "3", description = "Connections (default ${DEFAULT-VALUE}).")
    int connections;

    @CommandLine.Option(names = "-n", defaultValue = "30", description = "Calls in all (default ${DEFAULT-VALUE}).")
    int calls;

    @CommandLine.Option(
            names = "-qps",
            defaultValue = "0",
            description = "Queries per second in all; 0 = as fast as possible.")
    double qps;

    @CommandLine.Option(
            names = "--from",
            required = true,
            paramLabel = "WORKLOAD",
            description = "The workload whose sidecar sends (e.g. fortio).")
    String from;

    @CommandLine.Parameters(paramLabel = "URL", description = "e.g. http://httpbin:8000/get")
    URI url;

    @CommandLine.Mixin
    AdminOption admin = new AdminOption();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!"http".equals(url.getScheme()) || url.getHost() == null) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "URL " + url + ": must be http://SERVICE[:PORT]/PATH");
        }
        if (connections < 1 || calls < 1 || qps < 0) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "-c and -n must be at least 1 and -qps at least 0");
        }
        JsonNode pods = new ObjectMapper().readTree(admin.client().get("/pods").body());
        String outbound = null;
        for (JsonNode p : pods) {
            if (p.path("name").asText().equals(from)
                    || p.path("labels").path("app").asText().equals(from)) {
                if (!p.has("outbound")) {
                    spec.commandLine()
                            .getErr()
                            .println("error: --from " + from + ": runs without a sidecar; load is sent through a"
                                    + " sidecar's outbound listener, so name a workload with one");
                    return 2;
                }
                outbound = p.path("outbound").asText();
                break;
            }
        }
        if (outbound == null) {
            spec.commandLine()
                    .getErr()
                    .println("error: --from " + from
                            + ": no such workload in the running mesh (start it with ./meshbox up --workloads ...)");
            return 2;
        }
        String[] hp = outbound.split(":");
        String host = url.getPort() > 0 ? url.getHost() + ":" + url.getPort() : url.getHost();
        String path = (url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath())
                + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        LoadGenerator.Result r = LoadGenerator.run(
                new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), host, path, connections, calls, qps);
        LoadGenerator.print(new PrintStream(System.out, true), r, url.toString(), connections, qps);
        return 0;
    }
}
