package dev.meshbox.bookinfo.productpage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meshbox.bookinfo.http.ForwardedHeaders;
import dev.meshbox.bookinfo.http.Http1Client;
import dev.meshbox.bookinfo.http.Http1Response;
import dev.meshbox.bookinfo.http.PathSegment;
import dev.meshbox.bookinfo.http.Upstream;
import java.io.IOException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * productpage's calls to details, reviews and ratings with Bookinfo's hard-coded client behaviour.
 * The reviews policy (3 s, 2 attempts) is deliberately kept: it is why a 7 s ratings delay shows users an
 * error after about 6 s in Istio's fault-injection task.
 */
final class ProductBackends {
    private static final Logger LOG = LoggerFactory.getLogger(ProductBackends.class);

    /** Timeout per attempt and how many attempts; any non-200 or failure triggers the next attempt. */
    record CallPolicy(Duration timeout, int attempts) {}

    static final CallPolicy DETAILS_POLICY = new CallPolicy(Duration.ofSeconds(3), 1);
    static final CallPolicy REVIEWS_POLICY = new CallPolicy(Duration.ofSeconds(3), 2);
    static final CallPolicy RATINGS_POLICY = new CallPolicy(Duration.ofSeconds(3), 1);

    static final String DETAILS_UNAVAILABLE = "Sorry, product details are currently unavailable for this book.";
    static final String REVIEWS_UNAVAILABLE = "Sorry, product reviews are currently unavailable for this book.";
    static final String RATINGS_UNAVAILABLE = "Sorry, product ratings are currently unavailable for this book.";

    private final Http1Client mesh;
    private final ObjectMapper json;

    ProductBackends(Http1Client mesh, ObjectMapper json) {
        this.mesh = mesh;
        this.json = json;
    }

    BackendReply details(String productId, ForwardedHeaders headers) {
        return fetch(Upstream.DETAILS, "/details/", productId, DETAILS_POLICY, headers, DETAILS_UNAVAILABLE);
    }

    BackendReply reviews(String productId, ForwardedHeaders headers) {
        return fetch(Upstream.REVIEWS, "/reviews/", productId, REVIEWS_POLICY, headers, REVIEWS_UNAVAILABLE);
    }

    BackendReply ratings(String productId, ForwardedHeaders headers) {
        return fetch(Upstream.RATINGS, "/ratings/", productId, RATINGS_POLICY, headers, RATINGS_UNAVAILABLE);
    }

    private BackendReply fetch(
            Upstream upstream,
            String prefix,
            String productId,
            CallPolicy policy,
            ForwardedHeaders headers,
            String unavailable) {
        String path = prefix + PathSegment.encode(productId);
        int lastStatus = 500;
        for (int attempt = 1; attempt <= policy.attempts(); attempt++) {
            try {
                Http1Response response = mesh.send(upstream.get(path, headers), policy.timeout());
                lastStatus = response.status();
                if (response.isOk()) {
                    JsonNode body = json.readTree(response.body());
                    if (body != null && body.isContainerNode()) {
                        return new BackendReply(200, body);
                    }
                    lastStatus = 500;
                    LOG.debug("{}{} attempt {}: 200 without a JSON body", upstream.authority(), path, attempt);
                    continue;
                }
                LOG.debug("{}{} attempt {}: status {}", upstream.authority(), path, attempt, lastStatus);
            } catch (IOException e) {
                // A 200 whose body is not JSON lands here too; it is as useless to the page as no answer.
                lastStatus = 500;
                LOG.debug("{}{} attempt {}: {}", upstream.authority(), path, attempt, e.toString());
            }
        }
        ObjectNode error = json.createObjectNode().put("error", unavailable);
        return new BackendReply(lastStatus == 200 ? 500 : lastStatus, error);
    }
}
