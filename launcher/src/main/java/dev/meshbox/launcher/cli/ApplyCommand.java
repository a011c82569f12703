package dev.meshbox.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meshbox.scenarios.MeshAccess;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code meshbox apply -f FILE}: sends Istio YAML to the running mesh, like {@code kubectl apply}. */
@Command(
        name = "apply",
        mixinStandardHelpOptions = true,
        description = "Apply Istio YAML (VirtualService, DestinationRule, Gateway, AuthorizationPolicy,"
                + " PeerAuthentication) to the running mesh.")
public final class ApplyCommand implements Callable<Integer> {

    @CommandLine.Option(
            names = {"-f", "--filename"},
            required = true,
            paramLabel = "FILE",
            description = "A YAML file (several documents allowed); repeat for more files.")
    List<Path> files;

    @CommandLine.Option(
            names = "--cluster",
            paramLabel = "NAME",
            description = "With ./meshbox up --clusters N: the cluster whose control plane gets the YAML (default"
                    + " cluster1), as kubectl --context picks one; $${CLUSTERn_GW_ADDR} in the YAML becomes that"
                    + " cluster's gateway address.")
    String cluster;

    @CommandLine.Mixin
    AdminOption admin = new AdminOption();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<MeshAccess.ConfigText> sources = new ArrayList<>();
        for (Path f : files) {
            try {
                sources.add(new MeshAccess.ConfigText(f.toString(), Files.readString(f)));
            } catch (NoSuchFileException e) {
                err.println("error: " + f + ": no such file");
                return 2;
            } catch (IOException e) {
                err.println("error: " + f + ": cannot be read: " + e.getMessage());
                return 2;
            }
        }
        ObjectMapper json = new ObjectMapper();
        HttpResponse<String> resp = admin.client()
                .send(
                        HttpRequest.newBuilder()
                                .header("content-type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        json.writeValueAsString(Map.of("sources", sources)))),
                        cluster == null
                                ? "/apply"
                                : "/apply?cluster="
                                        + java.net.URLEncoder.encode(cluster, java.nio.charset.StandardCharsets.UTF_8));
        JsonNode body = json.readTree(resp.body());
        for (JsonNode c : body.path("changes")) {
            out.println(c.asText());
        }
        for (JsonNode w : body.path("warnings")) {
            err.println("Warning: " + w.asText());
        }
        if (resp.statusCode() != 200) {
            for (JsonNode p : body.path("problems")) {
                err.println("error: " + p.asText());
            }
            err.println("Nothing was applied; the mesh keeps serving its previous config.");
            return 1;
        }
        out.flush();
        return 0;
    }
}
