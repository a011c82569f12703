package dev.meshbox.bookinfo.http;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/** Request headers as one sorted map, repeated headers joined with a comma as Envoy and httpbin join them. */
public final class HeaderNames {
    private HeaderNames() {}

    /** httpbin's spelling: {@code x-request-id} becomes {@code X-Request-Id}. */
    public static String canonical(String name) {
        StringBuilder out = new StringBuilder(name.length());
        boolean startOfWord = true;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            out.append(startOfWord ? Character.toUpperCase(c) : Character.toLowerCase(c));
            startOfWord = c == '-';
        }
        return out.toString();
    }

    public static String lowerCase(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    /** Every header of {@code request}, names spelled by {@code spelling}, sorted by that spelling. */
    public static Map<String, String> of(HttpServletRequest request, UnaryOperator<String> spelling) {
        Map<String, String> headers = new TreeMap<>();
        for (String name : Collections.list(request.getHeaderNames())) {
            headers.computeIfAbsent(
                    spelling.apply(name), key -> String.join(",", Collections.list(request.getHeaders(name))));
        }
        return Collections.unmodifiableMap(headers);
    }
}
