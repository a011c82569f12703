package dev.meshbox.launcher.junit;

import dev.meshbox.launcher.docker.RequiresDocker;

/** {@link BookinfoRoutingIT}'s tests, unchanged, on a mesh of Docker containers: {@code @MeshTest(backend = DOCKER)}. */
@RequiresDocker
@MeshTest(backend = MeshTest.DOCKER, workloads = "bookinfo", seed = 7)
class BookinfoRoutingDockerIT extends BookinfoRoutingIT {}
