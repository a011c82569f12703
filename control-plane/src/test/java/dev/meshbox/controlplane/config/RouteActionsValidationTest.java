package dev.meshbox.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.config.VirtualService.HttpRoute;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** rewrite, redirect, corsPolicy and mirrors checked as Istio's validation webhook checks them. */
class RouteActionsValidationTest {

    private final IstioParser parser = new IstioParser();

    private static final String VS_HEAD = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: shop
            spec:
              hosts: [shop]
              http:
            """;

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of(
                        "rewrite with both uri and uriRegexRewrite",
                        """
                          - rewrite:
                              uri: /a
                              uriRegexRewrite: {match: "^/b", rewrite: /c}
                            route: [{destination: {host: shop}}]
                        """,
                        "shop.yaml: VirtualService default/shop: spec.http[0].rewrite: may have only one of uri and uriRegexRewrite"),
                Arguments.of(
                        "empty rewrite",
                        """
                          - rewrite: {}
                            route: [{destination: {host: shop}}]
                        """,
                        "spec.http[0].rewrite: must set at least one of uri, uriRegexRewrite or authority"),
                Arguments.of(
                        "uriRegexRewrite without rewrite",
                        """
                          - rewrite:
                              uriRegexRewrite: {match: "^/b"}
                            route: [{destination: {host: shop}}]
                        """,
                        "spec.http[0].rewrite.uriRegexRewrite: needs both match and rewrite"),
                Arguments.of(
                        "uriRegexRewrite with a bad regex",
                        """
                          - rewrite:
                              uriRegexRewrite: {match: "^/(b", rewrite: /c}
                            route: [{destination: {host: shop}}]
                        """,
                        "spec.http[0].rewrite.uriRegexRewrite.match: \"^/(b\" is not a valid RE2 regular expression"),
                Arguments.of(
                        "uriRegexRewrite naming a group the match lacks",
                        """
                          - rewrite:
                              uriRegexRewrite: {match: "^/b/(.*)$", rewrite: "/c/\\\\2"}
                            route: [{destination: {host: shop}}]
                        """,
                        "spec.http[0].rewrite.uriRegexRewrite.rewrite: \"/c/\\2\" names group \\2 but match has 1 group(s)"),
                Arguments.of("rewrite with redirect", """
                          - rewrite: {uri: /a}
                            redirect: {uri: /b}
                        """, "spec.http[0]: may not have both rewrite and redirect"),
                Arguments.of(
                        "rewrite with directResponse",
                        """
                          - rewrite: {uri: /a}
                            directResponse: {status: 200}
                        """,
                        "spec.http[0]: may not have both rewrite and directResponse"),
                Arguments.of("fault with redirect", """
                          - fault: {abort: {httpStatus: 500, percentage: {value: 100}}}
                            redirect: {uri: /b}
                        """, "spec.http[0]: may not have both fault and redirect"),
                Arguments.of(
                        "redirect with port and derivePort",
                        """
                          - redirect: {port: 8080, derivePort: FROM_REQUEST_PORT}
                        """,
                        "spec.http[0].redirect: may have only one of port and derivePort"),
                Arguments.of(
                        "unknown derivePort",
                        """
                          - redirect: {derivePort: FROM_NOWHERE}
                        """,
                        "spec.http[0].redirect.derivePort: must be FROM_PROTOCOL_DEFAULT or FROM_REQUEST_PORT, got \"FROM_NOWHERE\""),
                Arguments.of(
                        "redirect code that is not a redirect",
                        """
                          - redirect: {uri: /b, redirectCode: 200}
                        """,
                        "spec.http[0].redirect.redirectCode: must be one of 301, 302, 303, 307, 308, got 200"),
                Arguments.of("3xx code Envoy cannot send", """
                          - redirect: {uri: /b, redirectCode: 304}
                        """, "got 304 (Envoy has no redirect with this code)"),
                Arguments.of(
                        "redirect scheme",
                        """
                          - redirect: {scheme: ftp}
                        """,
                        "spec.http[0].redirect.scheme: must be \"http\" or \"https\", got \"ftp\""),
                Arguments.of(
                        "empty redirect",
                        """
                          - redirect: {redirectCode: 302}
                        """,
                        "spec.http[0].redirect: must set at least one of uri, prefixRewrite, authority, scheme, port or derivePort"),
                Arguments.of(
                        "redirect with uri and prefixRewrite",
                        """
                          - match: [{uri: {prefix: /a}}]
                            redirect: {uri: /b, prefixRewrite: /c}
                        """,
                        "spec.http[0].redirect: may have only one of uri and prefixRewrite"),
                Arguments.of(
                        "prefixRewrite after an exact match",
                        """
                          - match: [{uri: {prefix: /a}}, {uri: {exact: /b}}]
                            redirect: {prefixRewrite: /c}
                        """,
                        "spec.http[0].redirect.prefixRewrite: replaces the matched prefix, but match[1].uri is exact"),
                Arguments.of(
                        "CORS origin without a value",
                        """
                          - corsPolicy:
                              allowOrigins: [{exact: ""}]
                            route: [{destination: {host: shop}}]
                        """,
                        "spec.http[0].corsPolicy.allowOrigins[0]: must not be empty"),
                Arguments.of(
                        "CORS origin with a bad regex",
                        """
                          - corsPolicy:
                              allowOrigins: [{regex: "https://(a"}]
                            route: [{destination: {host: shop}}]
                        """,
                        "spec.http[0].corsPolicy.allowOrigins[0]: regex \"https://(a\" is not a valid regular expression"),
                Arguments.of(
                        "CORS method",
                        """
                          - corsPolicy:
                              allowMethods: [GET, FETCH]
                            route: [{destination: {host: shop}}]
                        """,
                        "spec.http[0].corsPolicy.allowMethods[1]: \"FETCH\" is not a supported HTTP method"),
                Arguments.of(
                        "CORS header name",
                        """
                          - corsPolicy:
                              allowHeaders: ["x bad"]
                            route: [{destination: {host: shop}}]
                        """,
                        "spec.http[0].corsPolicy.allowHeaders[0]: \"x bad\" is not a valid header name"),
                Arguments.of(
                        "CORS maxAge below a second",
                        """
                          - corsPolicy:
                              maxAge: 1500ms
                            route: [{destination: {host: shop}}]
                        """,
                        "spec.http[0].corsPolicy.maxAge: is accurate to seconds only"),
                Arguments.of(
                        "CORS unmatchedPreflights",
                        """
                          - corsPolicy:
                              unmatchedPreflights: DROP
                            route: [{destination: {host: shop}}]
                        """,
                        "spec.http[0].corsPolicy.unmatchedPreflights: must be FORWARD or IGNORE, got \"DROP\""),
                Arguments.of("mirror and mirrors", """
                          - mirror: {host: shop}
                            mirrors: [{destination: {host: shop}}]
                            route: [{destination: {host: shop}}]
                        """, "spec.http[0]: may have only one of mirror and mirrors"),
                Arguments.of(
                        "mirrors percentage",
                        """
                          - mirrors: [{destination: {host: shop}, percentage: {value: 150}}]
                            route: [{destination: {host: shop}}]
                        """,
                        "spec.http[0].mirrors[0].percentage.value: must be between 0 and 100, got 150.0"),
                Arguments.of("mirrors without destination", """
                          - mirrors: [{percentage: {value: 50}}]
                            route: [{destination: {host: shop}}]
                        """, "spec.http[0].mirrors[0].destination: is required"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void rejectsInvalidInputNamingFileResourceAndField(String name, String rules, String expected) {
        ParseResult r = parser.parse("shop.yaml", VS_HEAD + rules);
        assertThat(r.problems())
                .extracting(ConfigProblem::toString)
                .anySatisfy(p -> assertThat(p).contains(expected));
    }

    @Test
    void everyNewFieldIsReadIntoTheModel() {
        ParseResult r = parser.parse("shop.yaml", VS_HEAD + """
                  - match: [{uri: {prefix: /old}}]
                    redirect: {prefixRewrite: /new, derivePort: FROM_REQUEST_PORT, scheme: https, redirectCode: 308}
                  - rewrite:
                      uriRegexRewrite: {match: "^/a/(.*)$", rewrite: "/b/\\\\1"}
                    corsPolicy:
                      allowOrigins: [{exact: "https://a.example"}, {prefix: "https://b."}, {regex: ".*\\\\.c\\\\.example"}]
                      allowMethods: [GET, POST]
                      allowHeaders: [x-one, x-two]
                      exposeHeaders: [x-out]
                      maxAge: 24h
                      allowCredentials: true
                      unmatchedPreflights: IGNORE
                    mirrors:
                    - destination: {host: shop, subset: v2}
                      percentage: {value: 25}
                    - destination: {host: shop, subset: v3}
                    route: [{destination: {host: shop}}]
                """);
        assertThat(r.problems()).isEmpty();
        VirtualService vs = (VirtualService) r.resources().get(0);
        HttpRoute redirect = vs.http().get(0);
        assertThat(redirect.redirect().orElseThrow().prefixRewrite()).contains("/new");
        assertThat(redirect.redirect().orElseThrow().derivePort())
                .contains(VirtualService.DerivePort.FROM_REQUEST_PORT);
        assertThat(redirect.redirect().orElseThrow().redirectCode()).isEqualTo(308);
        HttpRoute route = vs.http().get(1);
        assertThat(route.rewrite().orElseThrow().uriRegexRewrite())
                .contains(new VirtualService.RegexRewrite("^/a/(.*)$", "/b/\\1"));
        VirtualService.CorsPolicy cors = route.corsPolicy().orElseThrow();
        assertThat(cors.allowOrigins())
                .extracting(StringMatch::kind)
                .containsExactly(StringMatch.Kind.EXACT, StringMatch.Kind.PREFIX, StringMatch.Kind.REGEX);
        assertThat(cors.maxAge()).contains(Duration.ofHours(24));
        assertThat(cors.allowCredentials()).contains(true);
        assertThat(cors.ignoreUnmatchedPreflights()).isTrue();
        assertThat(route.mirrors()).hasSize(2);
        assertThat(route.mirrors().get(0).percentage()).contains(25.0);
        assertThat(route.mirrors().get(1).percentage()).isEmpty();
    }
}
