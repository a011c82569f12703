package dev.meshbox.proxy.spec;

import dev.meshbox.proxy.route.HeaderMutations;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.netty.handler.codec.http.HttpHeaderValidationUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads a route's (or a weighted cluster's) {@code request_headers_to_add/remove} and
 * {@code response_headers_to_add/remove}. Envoy does not let these touch pseudo-headers or Host, and takes only valid
 * names and values; such entries are NACKed (the proxy keeps its last good routes).
 */
final class HeaderMutationsConverter {

    private HeaderMutationsConverter() {}

    static HeaderMutations convert(
            List<HeaderValueOption> requestAdd,
            List<String> requestRemove,
            List<HeaderValueOption> responseAdd,
            List<String> responseRemove,
            String where) {
        if (requestAdd.isEmpty() && requestRemove.isEmpty() && responseAdd.isEmpty() && responseRemove.isEmpty()) {
            return HeaderMutations.NONE;
        }
        return new HeaderMutations(
                adds(requestAdd, where + ".request_headers_to_add"),
                removes(requestRemove, where + ".request_headers_to_remove"),
                adds(responseAdd, where + ".response_headers_to_add"),
                removes(responseRemove, where + ".response_headers_to_remove"));
    }

    private static List<HeaderMutations.HeaderAdd> adds(List<HeaderValueOption> options, String where) {
        List<HeaderMutations.HeaderAdd> out = new ArrayList<>(options.size());
        for (int i = 0; i < options.size(); i++) {
            HeaderValueOption o = options.get(i);
            String name = checkedName(o.getHeader().getKey(), where + "[" + i + "].header.key");
            HeaderMutations.Action action = switch (o.getAppendAction()) {
                case ADD_IF_ABSENT -> HeaderMutations.Action.ADD_IF_ABSENT;
                case OVERWRITE_IF_EXISTS_OR_ADD -> HeaderMutations.Action.OVERWRITE_IF_EXISTS_OR_ADD;
                case OVERWRITE_IF_EXISTS -> HeaderMutations.Action.OVERWRITE_IF_EXISTS;
                // The deprecated append flag, when set to false, still means "overwrite".
                default ->
                    o.hasAppend() && !o.getAppend().getValue()
                            ? HeaderMutations.Action.OVERWRITE_IF_EXISTS_OR_ADD
                            : HeaderMutations.Action.APPEND_IF_EXISTS_OR_ADD;
            };
            out.add(new HeaderMutations.HeaderAdd(
                    name, checkedValue(o.getHeader().getValue(), where + "[" + i + "].header.value"), action));
        }
        return out;
    }

    private static List<String> removes(List<String> names, String where) {
        List<String> out = new ArrayList<>(names.size());
        for (int i = 0; i < names.size(); i++) {
            out.add(checkedName(names.get(i), where + "[" + i + "]"));
        }
        return out;
    }

    private static String checkedName(String raw, String where) {
        String name = raw.toLowerCase(Locale.ROOT);
        if (name.isEmpty()) {
            throw new IllegalArgumentException(where + ": must not be empty");
        }
        if (name.startsWith(":") || name.equals("host")) {
            throw new IllegalArgumentException(
                    where + ": " + raw + " cannot be modified (pseudo-headers and host are off limits)");
        }
        int bad = HttpHeaderValidationUtil.validateToken(name);
        if (bad >= 0) {
            throw new IllegalArgumentException(where + ": '" + raw + "' is not a header name (character "
                    + describe(raw.charAt(bad)) + " at index " + bad + ")");
        }
        return name;
    }

    /** As Envoy's HeaderValue validation: no control characters but tab, so a value can never end the header line. */
    private static String checkedValue(String value, String where) {
        int bad = HttpHeaderValidationUtil.validateValidHeaderValue(value);
        if (bad >= 0) {
            throw new IllegalArgumentException(where + ": character " + describe(value.charAt(bad)) + " at index " + bad
                    + " is not allowed in a header value");
        }
        return value;
    }

    private static String describe(char c) {
        return c < 0x20 || c == 0x7f ? String.format("U+%04X", (int) c) : "'" + c + "'";
    }
}
