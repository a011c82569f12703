package dev.meshbox.controlplane.config;

import com.nimbusds.jose.jwk.JWKSet;
import java.net.URI;
import java.net.URISyntaxException;
import java.text.ParseException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and validates a RequestAuthentication spec as Istio's webhook does ({@code ValidateRequestAuthentication} and
 * {@code validateJwtRule} in {@code pkg/config/validation}), naming the field of each problem.
 */
final class RequestAuthenticationParser {

    private static final Pattern HEADER_NAME = Pattern.compile("^[a-zA-Z0-9-]+$");
    private static final Pattern LABEL_KEY =
            Pattern.compile("^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$");

    private RequestAuthenticationParser() {}

    static RequestAuthentication parse(ResourceMeta meta, String yaml, YamlNode spec) {
        spec.onlyFields(Set.of("selector", "targetRef", "targetRefs", "jwtRules"));
        YamlNode selector = spec.obj("selector");
        selector.onlyFields(Set.of("matchLabels"));
        var labels = selector.stringMap("matchLabels");
        labels.keySet().forEach(k -> {
            if (k.isEmpty() || !LABEL_KEY.matcher(k).matches()) {
                selector.problems().add(selector.path() + ".matchLabels", "invalid label key \"" + k + "\"");
            }
        });
        List<RequestAuthentication.TargetRef> refs = new java.util.ArrayList<>();
        if (spec.has("targetRef")) {
            refs.add(targetRef(spec.obj("targetRef")));
        }
        refs.addAll(spec.list("targetRefs", RequestAuthenticationParser::targetRef));
        if (spec.has("targetRef") && spec.has("targetRefs")) {
            spec.problems().add("spec", "only one of targetRefs or targetRef can be set");
        }
        if (!refs.isEmpty() && spec.has("selector")) {
            spec.problems().add("spec", "only one of targetRefs or workloadSelector can be set");
        }
        List<RequestAuthentication.JwtRule> rules = spec.list("jwtRules", RequestAuthenticationParser::rule);
        return new RequestAuthentication(meta, yaml, labels, List.copyOf(refs), rules);
    }

    private static RequestAuthentication.TargetRef targetRef(YamlNode n) {
        n.onlyFields(Set.of("group", "kind", "name", "namespace"));
        String group = n.str("group").orElse("");
        String kind = n.requiredStr("kind");
        String name = n.requiredStr("name");
        if (n.has("namespace")) {
            n.problems().add(n.path() + ".namespace", "cross namespace referencing is not currently supported");
        }
        return new RequestAuthentication.TargetRef(group, kind, name);
    }

    private static RequestAuthentication.JwtRule rule(YamlNode n) {
        n.onlyFields(Set.of(
                "issuer",
                "audiences",
                "jwksUri",
                "jwks",
                "fromHeaders",
                "fromParams",
                "fromCookies",
                "outputPayloadToHeader",
                "outputClaimToHeaders",
                "forwardOriginalToken",
                "spaceDelimitedClaims",
                "timeout"));
        String issuer = n.str("issuer").orElse("");
        String jwksUri = n.str("jwksUri").orElse("");
        String jwks = n.str("jwks").orElse("");
        if (issuer.isEmpty() && jwksUri.isEmpty()) {
            n.problems().add(n.path() + ".issuer", "issuer or jwksUri must be non-empty string");
        }
        List<String> audiences = n.strings("audiences");
        for (int i = 0; i < audiences.size(); i++) {
            if (audiences.get(i).isEmpty()) {
                n.problems().add(n.path() + ".audiences[" + i + "]", "audience must be non-empty string");
            }
        }
        if (!jwksUri.isEmpty()) {
            String problem = jwksUriProblem(jwksUri);
            if (problem != null) {
                n.problems().add(n.path() + ".jwksUri", problem);
            }
        }
        if (!jwks.isEmpty()) {
            try {
                JWKSet.parse(jwks);
            } catch (ParseException e) {
                n.problems().add(n.path() + ".jwks", "jwks parse error: " + e.getMessage());
            }
        }
        List<RequestAuthentication.HeaderLocation> headers = n.list("fromHeaders", h -> {
            h.onlyFields(Set.of("name", "prefix"));
            String name = h.str("name").orElse("");
            if (name.isEmpty()) {
                h.problems().add(h.path() + ".name", "location header name must be non-empty string");
            }
            return new RequestAuthentication.HeaderLocation(
                    name, h.str("prefix").orElse(""));
        });
        List<String> params = nonEmpty(n, "fromParams", "location query must be non-empty string");
        List<String> cookies = nonEmpty(n, "fromCookies", "cookie name must be non-empty string");
        List<RequestAuthentication.ClaimToHeader> claims = n.list("outputClaimToHeaders", c -> {
            c.onlyFields(Set.of("header", "claim"));
            String header = c.str("header").orElse("");
            String claim = c.str("claim").orElse("");
            if (header.isEmpty() || claim.isEmpty()) {
                c.problems().add(c.path(), "outputClaimToHeaders header and claim value must be non-empty string");
            } else if (!HEADER_NAME.matcher(header).matches()) {
                c.problems().add(c.path() + ".header", "invalid header name \"" + header + "\"");
            }
            return new RequestAuthentication.ClaimToHeader(header, claim);
        });
        String payloadHeader = n.str("outputPayloadToHeader").orElse("");
        if (!payloadHeader.isEmpty() && !HEADER_NAME.matcher(payloadHeader).matches()) {
            n.problems().add(n.path() + ".outputPayloadToHeader", "invalid header name \"" + payloadHeader + "\"");
        }
        Duration timeout = n.duration("timeout").orElse(null);
        return new RequestAuthentication.JwtRule(
                issuer,
                audiences,
                jwksUri,
                jwks,
                headers,
                params,
                cookies,
                payloadHeader,
                claims,
                n.bool("forwardOriginalToken").orElse(false),
                n.strings("spaceDelimitedClaims"),
                timeout);
    }

    private static List<String> nonEmpty(YamlNode n, String key, String message) {
        List<String> values = n.strings(key);
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i).isEmpty()) {
                n.problems().add(n.path() + "." + key + "[" + i + "]", message);
            }
        }
        return values;
    }

    /** Istio's {@code ParseJwksURI}: an http or https URL. */
    static String jwksUriProblem(String uri) {
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (URISyntaxException e) {
            return "is not a URL: " + e.getMessage();
        }
        String scheme = parsed.getScheme() == null ? "" : parsed.getScheme();
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return "URI scheme \"" + scheme + "\" is not supported (expected http:// or https://), got \"" + uri + "\"";
        }
        if (parsed.getHost() == null || parsed.getHost().isEmpty()) {
            return "must name a host, got \"" + uri + "\"";
        }
        return null;
    }
}
