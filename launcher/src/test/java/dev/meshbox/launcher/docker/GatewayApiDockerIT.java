package dev.meshbox.launcher.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import dev.meshbox.controlplane.registry.docker.DockerRegistry;
import dev.meshbox.launcher.admin.ControlPlaneClient;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.engine.DockerEngine;
import dev.meshbox.launcher.lifecycle.Wait;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.TrafficDriver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Istio's automated deployment on the Docker backend: applying Istio's Gateway API ingress for Bookinfo
 * ({@code samples/bookinfo/gateway-api/bookinfo-gateway.yaml}; the project's copy where Istio's samples are not beside
 * this checkout) starts a {@code bookinfo-gateway-istio} gateway container that serves the product page, and deleting
 * the Gateway removes it; with {@code up}'s watch, a Gateway applied to the admin API directly is deployed too.
 */
@RequiresDocker
class GatewayApiDockerIT {

    private static final String GATEWAY = "bookinfo-gateway-istio";

    private final DockerClient docker = DockerEngine.client();

    @Test
    void aGatewayGetsAGatewayContainerThatServesBookinfoUntilItIsDeleted() throws Exception {
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        try (DockerMesh mesh = DockerMesh.start(
                MeshSpec.bookinfo(),
                DockerMesh.Options.isolated(OptionalLong.empty()),
                new PrintStream(progress, true, StandardCharsets.UTF_8))) {
            MeshAccess.ApplyOutcome applied = mesh.apply(List.of(bookinfoGateway()));
            assertThat(applied.problems()).isEmpty();
            assertThat(applied.changes()).contains("gateway.gateway.networking.k8s.io/bookinfo-gateway created");

            List<Container> gateways = gatewayContainers(mesh);
            assertThat(gateways).hasSize(1);
            assertThat(gateways.get(0).getLabels())
                    .containsEntry("gateway.networking.k8s.io/gateway-name", "bookinfo-gateway")
                    .containsEntry("service.istio.io/canonical-name", GATEWAY)
                    .containsEntry(DockerRegistry.ROLE, "gateway")
                    .containsEntry(DockerRegistry.NAMESPACE, "default")
                    .containsEntry(DockerRegistry.PORTS, "80:8080");
            assertThat(docker.inspectContainerCmd(gateways.get(0).getId())
                            .exec()
                            .getNetworkSettings()
                            .getNetworks()
                            .get(mesh.network())
                            .getAliases())
                    .as("the Service's name on the mesh network")
                    .contains(GATEWAY);

            // As Istio's docs send page loads to $INGRESS_HOST: from the host, to the gateway's published listener.
            assertThat(mesh.entersAtGateway(GATEWAY)).isTrue();
            List<TrafficDriver.Result> pages = new TrafficDriver(mesh)
                    .send(
                            new Scenario.Traffic(
                                    GATEWAY, "GET", "http://bookinfo.example.com/productpage", Map.of(), 5, 1),
                            "gateway-api-docker",
                            n -> {});
            assertThat(pages)
                    .hasSize(5)
                    .allSatisfy(r -> assertThat(r.status()).as(r.error()).isEqualTo(200))
                    .allSatisfy(r -> assertThat(r.body()).contains("Book Details"));

            // A second listener is a second Service port, and the ports are the container's labels: a new container.
            assertThat(mesh.apply(List.of(new MeshAccess.ConfigText("two-listeners.yaml", """
                            apiVersion: gateway.networking.k8s.io/v1
                            kind: Gateway
                            metadata:
                              name: bookinfo-gateway
                            spec:
                              gatewayClassName: istio
                              listeners:
                              - name: http
                                port: 80
                                protocol: HTTP
                              - name: http-8000
                                port: 8000
                                protocol: HTTP
                            """)))
                            .problems())
                    .isEmpty();
            assertThat(gatewayContainers(mesh))
                    .singleElement()
                    .satisfies(c -> assertThat(c.getLabels()).containsEntry(DockerRegistry.PORTS, "80:8080,8000:8000"));
            assertThat(gatewayContainers(mesh).get(0).getId())
                    .isNotEqualTo(gateways.get(0).getId());

            mesh.resetConfig();

            assertThat(gatewayContainers(mesh))
                    .as("the gateway after its Gateway is deleted")
                    .isEmpty();
            assertThatThrownBy(() -> mesh.outboundOf(GATEWAY)).isInstanceOf(IllegalArgumentException.class);
            assertThat(mesh.deaths()).as("a removed gateway is no death").isEmpty();

            // meshbox apply goes to the admin API, past the mesh object: with up's watch, that Gateway is deployed too.
            mesh.followGateways();
            new ControlPlaneClient(mesh.admin()).apply(List.of(bookinfoGateway()));
            Wait.atMost(Duration.ofSeconds(60))
                    .until(
                            "a gateway for the Gateway applied to the admin API",
                            () -> mesh.entersAtGateway(GATEWAY) ? Optional.empty() : Optional.of("none deployed"));
            assertThat(gatewayContainers(mesh)).hasSize(1);
        }
    }

    private List<Container> gatewayContainers(DockerMesh mesh) {
        return docker.listContainersCmd()
                .withShowAll(true)
                .withLabelFilter(Map.of(
                        DockerRegistry.MESH,
                        mesh.meshId(),
                        "gateway.networking.k8s.io/gateway-name",
                        "bookinfo-gateway"))
                .exec();
    }

    /** Istio's own file where its samples are beside this checkout ({@code ../shared/istio/samples}), else ours. */
    private static MeshAccess.ConfigText bookinfoGateway() throws IOException {
        Path istio = Path.of("")
                .toAbsolutePath()
                .getParent()
                .getParent()
                .resolve("shared/istio/samples/bookinfo/gateway-api/bookinfo-gateway.yaml");
        if (Files.isRegularFile(istio)) {
            return new MeshAccess.ConfigText(istio.toString(), Files.readString(istio));
        }
        try (InputStream in = GatewayApiDockerIT.class.getResourceAsStream("/gateway-api/bookinfo-gateway.yaml")) {
            return new MeshAccess.ConfigText(
                    "gateway-api/bookinfo-gateway.yaml", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
