package dev.meshbox.launcher;

import dev.meshbox.launcher.docker.RequiresDocker;
import dev.meshbox.launcher.start.Backends;

/** Istio's traffic-management tasks again, every test of {@link IstioTasksIT}, on the Docker backend. */
@RequiresDocker
class IstioTasksDockerIT extends IstioTasksIT {

    @Override
    String backend() {
        return Backends.DOCKER;
    }
}
