package dev.meshbox.launcher;

import dev.meshbox.launcher.docker.RequiresDocker;
import dev.meshbox.launcher.junit.MeshTest;

/**
 * {@link MultipleGatewaysIT}'s tests, unchanged, on a mesh of Docker containers: the user's {@code my-ingress} is a
 * gateway container of its own beside the mesh's istio-ingressgateway, its ports published on the host.
 */
@RequiresDocker
@MeshTest(
        backend = MeshTest.DOCKER,
        workloads = {"httpbin"},
        gateways = {"my-ingress"})
class MultipleGatewaysDockerIT extends MultipleGatewaysIT {}
