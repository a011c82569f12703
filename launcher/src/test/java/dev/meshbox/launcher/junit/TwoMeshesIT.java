package dev.meshbox.launcher.junit;

import static dev.meshbox.launcher.junit.MeshAssertions.assertThat;
import static dev.meshbox.launcher.junit.Request.get;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Two meshes open at once in one JVM: the class's, and a nested class's own, started while the outer one still
 * serves. Each has its own loopback block, so Istio's fixed ports never clash.
 */
@MeshTest(workloads = {"httpbin", "sleep"})
class TwoMeshesIT {

    private static final Request HTTPBIN = get("http://httpbin:8000/get").from("sleep");

    /** Injected through the constructor, so a nested test can reach the outer class's mesh too. */
    private final Mesh outer;

    TwoMeshesIT(Mesh outer) {
        this.outer = outer;
    }

    @Test
    void theOuterMeshServesHttpbinV1(Mesh mesh) {
        assertThat(mesh.send(5, HTTPBIN)).allHaveStatus(200).allServedBy("v1");
    }

    /** Without a @MeshTest of its own, a nested class shares the enclosing class's mesh. */
    @Nested
    class SharingTheOuterMesh {

        @Test
        void usesTheEnclosingClassesMesh(Mesh mesh) {
            assertThat(mesh.ingress()).isEqualTo(outer.ingress());
            assertThat(mesh.send(3, HTTPBIN)).allServedBy("v1");
        }
    }

    @Nested
    @MeshTest(workloads = {"httpbin", "httpbin-v2", "sleep"})
    class WithAMeshOfItsOwn {

        @Test
        void bothMeshesServeSideBySide(Mesh inner) {
            assertThat(inner.ingress().getAddress())
                    .isNotEqualTo(outer.ingress().getAddress());

            assertThat(inner.send(30, HTTPBIN)).allHaveStatus(200);
            assertThat(inner.send(30, HTTPBIN).versions()).containsOnlyKeys("v1", "v2");
            assertThat(outer.send(10, HTTPBIN)).allHaveStatus(200).allServedBy("v1");
        }
    }
}
