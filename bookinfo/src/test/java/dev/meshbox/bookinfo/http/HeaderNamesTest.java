package dev.meshbox.bookinfo.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HeaderNamesTest {
    @ParameterizedTest
    @CsvSource({
        "x-request-id, X-Request-Id",
        "HOST, Host",
        "x-b3-traceid, X-B3-Traceid",
        "content-TYPE, Content-Type",
        "x--odd-, X--Odd-",
        "te, Te"
    })
    void canonicalIsHttpbinsSpelling(String received, String canonical) {
        assertThat(HeaderNames.canonical(received)).isEqualTo(canonical);
    }
}
