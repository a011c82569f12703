package dev.meshbox.launcher.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Brings up a mesh once for the test class and closes it after the last test, whatever happens. Tests receive a
 * {@link Mesh} parameter; config a test applies is removed before the next test starts, while config applied in a
 * {@code @BeforeAll} method stays for the whole class.
 *
 * <pre>{@code
 * @MeshTest(kubernetes = {"classpath:checkout.yaml", "classpath:frontend.yaml"}, seed = 42)
 * class CheckoutCanaryTest {
 *     @Test
 *     void sendsAFifthToV2(Mesh mesh) {
 *         mesh.applyClasspath("istio/checkout-canary.yaml");
 *         assertThat(mesh.send(1000, get("http://checkout:8080/cart").from("frontend")))
 *                 .hasVersionShare("v2", 0.20, within(0.05));
 *     }
 * }
 * }</pre>
 *
 * Each mesh takes its own loopback block, so test classes (and a {@code @Nested} class with its own
 * {@code @MeshTest}) run meshes side by side in one JVM, also with JUnit's parallel execution; the tests of one class
 * run one after another, since they share the mesh and its config.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(MeshExtension.class)
@Execution(ExecutionMode.SAME_THREAD)
public @interface MeshTest {

    /** The value of {@link #seed()} that means "no seed": random choices differ from run to run. */
    long NO_SEED = Long.MIN_VALUE;

    /**
     * Built-in workloads: {@code bookinfo}, {@code httpbin}, {@code httpbin-v2}, {@code sleep} (a client to send
     * from), {@code fortio}, {@code grpc-echo} (a gRPC echo service, v1 and v2), {@code cnn} (a stand-in for edition.cnn.com), {@code tcp-echo} (Istio's TCP echo, v1 and v2); in a namespace as {@code
     * NAME.NAMESPACE} ({@code httpbin.foo}, {@code sleep.bar}, as
     * Istio's security tasks deploy them). Each runs as the service account Istio's sample gives it ({@code httpbin},
     * {@code sleep}, {@code bookinfo-productpage}, ...). Bookinfo when neither this nor {@link #kubernetes()} is given.
     */
    String[] workloads() default {};

    /**
     * Built-in workloads that run without a sidecar, as in Istio's {@code legacy} namespace ({@code sleep.legacy},
     * {@code httpbin.legacy}): requests {@code from} one go straight to a pod of the service in plaintext, and requests
     * to one arrive as they were sent. The local and Docker backends (on Docker, a pod without a sidecar is its app's
     * container alone, and the host sends for a client straight to the pod IP).
     */
    String[] withoutSidecar() default {};

    /**
     * Your own Deployments and Services, as you apply them to a cluster: {@code classpath:checkout.yaml} or a path
     * relative to the working directory. Each Deployment runs as echo stand-ins with its pod labels, containerPort and
     * replicas; annotations on the pod template make a version slow or failing ({@code meshbox.dev/latency: "200ms"},
     * {@code meshbox.dev/error-rate: "0.3"}, {@code meshbox.dev/error-status: "503"}).
     */
    String[] kubernetes() default {};

    /**
     * Gateway deployments of your own beside the mesh's {@code istio-ingressgateway}, each a pod running a gateway
     * proxy and a Service of its name: {@code NAME[.NAMESPACE][:PORT,PORT...]} ({@code my-ingress},
     * {@code my-ingress.istio-system:8080,8443}), labelled {@code app} and {@code istio} = NAME, in
     * {@code istio-system} on ports 80 and 443 (the pod's 8080 and 8443) unless given. A Gateway with
     * {@code selector: {istio: my-ingress}} is served by it, and {@code get(...).from("my-ingress")} enters the mesh
     * at it. The local and docker backends (on docker, a gateway container with its ports published on the host).
     */
    String[] gateways() default {};

    /**
     * Makes every random choice of the proxies (weights, fault percentages) a function of the seed and the request
     * id, so each run makes the same decision for each request. {@code -Dmeshbox.seed=42} sets it for classes that
     * do not.
     */
    long seed() default NO_SEED;

    /** The local backend: one JVM, each pod on its own loopback addresses. */
    String LOCAL = "local";
    /** The Docker backend: containers on a network of their own (needs a Docker engine). */
    String DOCKER = "docker";
    /** k3s started in a container for the mesh (needs a Docker engine and the k3s image). */
    String K3S = "k3s";
    /** The cluster of {@link #kubeconfig()} (or {@code -Dmeshbox.kubeconfig}, {@code KUBECONFIG}, {@code ~/.kube/config}). */
    String KUBERNETES = "kubernetes";

    /**
     * Where the mesh runs: {@link #LOCAL}, {@link #DOCKER}, {@link #K3S} or {@link #KUBERNETES}; empty means
     * {@code -Dmeshbox.backend}, else {@code local}.
     */
    String backend() default "";

    /**
     * Istio's mesh config (the {@code istio} ConfigMap's {@code data.mesh}) as {@code classpath:mesh.yaml} or a path
     * relative to the working directory: its {@code extensionProviders} ({@code envoyExtAuthzHttp}) are the external
     * authorizers CUSTOM AuthorizationPolicies name, and its {@code outboundTrafficPolicy.mode} (ALLOW_ANY, or
     * REGISTRY_ONLY: hosts outside the registry get 502 from {@code block_all}). Local backend only for now.
     */
    String meshConfig() default "";

    /**
     * Istio's Zipkin addon: Zipkin's own server (fetched by Maven on first use) as Service {@code zipkin} in
     * istio-system port 9411, where the proxies send their spans, and the mesh config's
     * {@code defaultConfig.tracing.sampling} at 100 (Istio's demo profile) unless {@link #meshConfig} sets one.
     * {@link Mesh#zipkin()} is its address: its server (local), its container's published port (docker), a
     * port-forward to Istio's {@code zipkin.yaml} Deployment (kubernetes, k3s: the cluster pulls Zipkin's image).
     */
    boolean tracing() default false;

    /**
     * For {@link #KUBERNETES}: the cluster's kubeconfig file; empty means {@code -Dmeshbox.kubeconfig}, else kubectl's
     * default. MeshBox's image as the cluster pulls it comes from {@code -Dmeshbox.image} (default: built here).
     */
    String kubeconfig() default "";

    /**
     * Several clusters in one box (Istio's multi-primary model; local or docker backend): each {@code NAME} or
     * {@code NAME/NETWORK} ({@code {"cluster1/network1", "cluster2/network2"}}), with its own control plane, ingress
     * and intermediate CA under one root; on different networks through east-west gateways. A workload
     * {@code NAME@CLUSTER} ({@code "helloworld-v1.sample@cluster1"}) runs in that cluster only, any other in every
     * cluster. Requests and reads name a cluster's workload the same way ({@code from("sleep@cluster2")}); a name
     * alone is in the first cluster.
     */
    String[] clusters() default {};

    /**
     * The multi-cluster model of {@link #clusters()}: {@code "multi-primary"} (the default) or {@code "global"}, Istio
     * 1.1 to 1.7's replicated control planes with {@code .global} names (no remote secrets; the *.global Gateway and
     * DestinationRule in each cluster, a DNS stub per cluster; config may write {@code ${CLUSTER2_GW_ADDR}}).
     */
    String multicluster() default "";
}
