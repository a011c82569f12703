package dev.meshbox.controlplane.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * MeshBox's own Istio config for Bookinfo, one copy for every test: the files the shipped scenarios apply
 * ({@code scenarios/istio}, which this module's build puts on the test classpath) and the ingress gateway, all under
 * {@code istio/bookinfo/} on the test classpath and in this module's test-jar. Each file holds the resources of the
 * Istio sample of the same name. A test that needs a broken or special variant writes it inline instead.
 */
public enum BookinfoYaml {
    /** The {@code bookinfo-gateway} Gateway on port 8080 and the VirtualService routing its pages to productpage. */
    GATEWAY("bookinfo-gateway.yaml"),
    /** Subsets by version label for every service: productpage v1, reviews v1 to v3, ratings and details v1, v2. */
    DESTINATION_RULE_ALL("destination-rule-all.yaml"),
    /** Every service to its v1 subset. */
    VIRTUAL_SERVICE_ALL_V1("virtual-service-all-v1.yaml"),
    /** reviews: {@code end-user: jason} to v2, everyone else to v1. */
    REVIEWS_TEST_V2("virtual-service-reviews-test-v2.yaml"),
    /** reviews: 90 % to v1, 10 % to v2. */
    REVIEWS_90_10("virtual-service-reviews-90-10.yaml"),
    /** reviews: 50 % to v1, 50 % to v3. */
    REVIEWS_50_V3("virtual-service-reviews-50-v3.yaml"),
    /** reviews: everything to v3. */
    REVIEWS_V3("virtual-service-reviews-v3.yaml"),
    /** ratings: a 7 s delay for jason, v1 for all. */
    RATINGS_TEST_DELAY("virtual-service-ratings-test-delay.yaml"),
    /** ratings: HTTP 500 for jason, v1 for all. */
    RATINGS_TEST_ABORT("virtual-service-ratings-test-abort.yaml");

    private final String file;

    BookinfoYaml(String file) {
        this.file = file;
    }

    /** The file name, as Istio's sample is named: a good source name for an apply. */
    public String file() {
        return file;
    }

    /** Where it is on the test classpath ({@code istio/bookinfo/...}), for {@code Mesh.applyClasspath}. */
    public String resource() {
        return "istio/bookinfo/" + file;
    }

    /** The YAML text. */
    public String text() {
        try (InputStream in = BookinfoYaml.class.getClassLoader().getResourceAsStream(resource())) {
            if (in == null) {
                throw new IllegalStateException(resource() + " is not on the test classpath: the control plane's"
                        + " build copies it from scenarios/istio (or src/test/resources) into test-classes and its"
                        + " test-jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(resource(), e);
        }
    }
}
