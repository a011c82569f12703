package dev.meshbox.bookinfo.productpage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SessionCookiesTest {
    private final SessionCookies cookies =
            new SessionCookies("0123456789abcdef0123".getBytes(StandardCharsets.US_ASCII));

    @Test
    void issuedCookieNamesTheUser() {
        assertThat(cookies.user(cookies.issue("jason"))).hasValue("jason");
    }

    @Test
    void tamperedUserIsRejected() {
        String cookie = cookies.issue("alice");
        String signature = cookie.substring(cookie.indexOf('.'));
        String asJason = java.util.Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString("jason".getBytes(StandardCharsets.UTF_8))
                + signature;

        assertThat(cookies.user(asJason)).isEmpty();
    }

    @Test
    void cookieFromAnotherKeyIsRejected() {
        SessionCookies other = new SessionCookies("another-key-of-20-by".getBytes(StandardCharsets.US_ASCII));

        assertThat(cookies.user(other.issue("jason"))).isEmpty();
    }

    @Test
    void malformedCookiesAreRejected() {
        assertThat(cookies.user(null)).isEmpty();
        assertThat(cookies.user("")).isEmpty();
        assertThat(cookies.user("no-dot")).isEmpty();
        assertThat(cookies.user("a.b.c")).isEmpty();
        assertThat(cookies.user("!!.??")).isEmpty();
    }

    @Test
    void userNamesThatCouldBreakAHeaderAreInvalid() {
        assertThat(SessionCookies.validUser(" jason ")).hasValue("jason");
        assertThat(SessionCookies.validUser("")).isEmpty();
        assertThat(SessionCookies.validUser("ja\r\nson")).isEmpty();
        assertThat(SessionCookies.validUser("x".repeat(65))).isEmpty();
    }

    @Test
    void processWideKeyIsSharedByAllProductpages() {
        assertThat(SessionCookies.processWide()
                        .user(SessionCookies.processWide().issue("jason")))
                .hasValue("jason");
    }
}
