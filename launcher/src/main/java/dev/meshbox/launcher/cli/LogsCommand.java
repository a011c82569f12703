package dev.meshbox.launcher.cli;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code meshbox logs WORKLOAD}: the sidecar's access log, in Istio's default text format. */
@Command(
        name = "logs",
        mixinStandardHelpOptions = true,
        description = "Print a workload's sidecar access log (Istio's default format, response flags included).")
public final class LogsCommand implements Callable<Integer> {

    @CommandLine.Parameters(
            paramLabel = "WORKLOAD",
            description = "An app label (productpage, reviews, istio-ingressgateway) or a pod name.")
    String workload;

    @CommandLine.Mixin
    AdminOption admin = new AdminOption();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        HttpResponse<String> r = admin.client().get("/logs/" + URLEncoder.encode(workload, StandardCharsets.UTF_8));
        if (r.statusCode() != 200) {
            spec.commandLine().getErr().print("error: " + r.body());
            spec.commandLine().getErr().flush();
            return 1;
        }
        spec.commandLine().getOut().print(r.body());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
