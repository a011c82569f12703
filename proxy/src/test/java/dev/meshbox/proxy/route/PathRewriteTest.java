package dev.meshbox.proxy.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PathRewriteTest {

    private static RouteMatch match(PathMatcher path, boolean caseSensitive) {
        return new RouteMatch(path, caseSensitive, List.of(), List.of());
    }

    static Stream<Arguments> prefixRewrites() {
        return Stream.of(
                // name, match, request :path, prefix_rewrite, upstream :path
                Arguments.of(
                        "prefix",
                        match(new PathMatcher.Prefix("/old"), true),
                        "/old/page?q=1",
                        "/new",
                        "/new/page?q=1"),
                Arguments.of(
                        "prefix to root", match(new PathMatcher.Prefix("/api/"), true), "/api/items", "/", "/items"),
                Arguments.of(
                        "prefix, case ignored",
                        match(new PathMatcher.Prefix("/old"), false),
                        "/OLD/x",
                        "/new",
                        "/new/x"),
                Arguments.of(
                        "exact: the whole path", match(new PathMatcher.Exact("/only"), true), "/only", "/new", "/new"),
                Arguments.of(
                        "exact keeps the query",
                        match(new PathMatcher.Exact("/only"), true),
                        "/only?a=b",
                        "/new",
                        "/new?a=b"),
                Arguments.of(
                        "regex: the whole path",
                        match(new PathMatcher.Regex(Pattern.compile("/r[0-9]+")), true),
                        "/r42?x=1",
                        "/new",
                        "/new?x=1"),
                Arguments.of(
                        "path-separated prefix",
                        match(new PathMatcher.SegmentPrefix("/seg"), true),
                        "/seg/a",
                        "/other",
                        "/other/a"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("prefixRewrites")
    void prefixRewriteReplacesWhatTheRouteMatched(
            String name, RouteMatch match, String uri, String rewrite, String expected) {
        assertThat(PathRewrite.apply(uri, match, rewrite, null)).isEqualTo(expected);
    }

    static Stream<Arguments> regexRewrites() {
        return Stream.of(
                // Istio's documented example: groups swapped into a new prefix.
                Arguments.of(
                        "^/service/([^/]+)(/.*)$",
                        "/customprefix\\2/\\1",
                        "/service/update/v1/api",
                        "/customprefix/v1/api/update"),
                Arguments.of(
                        "^/service/([^/]+)(/.*)$",
                        "/customprefix\\2/\\1",
                        "/service/update/v1/api?x=1",
                        "/customprefix/v1/api/update?x=1"),
                // Every match is replaced, as RE2's GlobalReplace does.
                Arguments.of("o", "0", "/foo/boo", "/f00/b00"),
                // A digit after a group reference stays literal; $ is literal.
                Arguments.of("^/v([0-9])/", "/v\\10$/", "/v2/x", "/v20$/x"),
                Arguments.of("^/a/(.*)$", "/\\0", "/a/b", "//a/b"),
                Arguments.of("^/nomatch$", "/x", "/other", "/other"));
    }

    @ParameterizedTest(name = "{0} -> {1} on {2}")
    @MethodSource("regexRewrites")
    void regexRewriteSubstitutesWithRe2Groups(String pattern, String substitution, String uri, String expected) {
        RegexRewrite rewrite = RegexRewrite.of(Pattern.compile(pattern), substitution);
        assertThat(PathRewrite.apply(uri, RouteMatch.prefix("/"), null, rewrite))
                .isEqualTo(expected);
    }

    @Test
    void aSubstitutionNamingAMissingGroupIsRefused() {
        assertThatThrownBy(() -> RegexRewrite.of(Pattern.compile("^/(a)$"), "/\\2"))
                .hasMessageContaining("names group \\2 but the pattern has 1 group(s)");
        assertThatThrownBy(() -> RegexRewrite.of(Pattern.compile("a"), "\\x"))
                .hasMessageContaining("a backslash must be followed by a digit");
    }

    @Test
    void withoutRewriteThePathStays() {
        assertThat(PathRewrite.apply("/a?b", RouteMatch.prefix("/"), null, null))
                .isEqualTo("/a?b");
    }
}
