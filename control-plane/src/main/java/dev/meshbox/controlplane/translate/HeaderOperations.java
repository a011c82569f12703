package dev.meshbox.controlplane.translate;

import dev.meshbox.controlplane.config.VirtualService.HeaderOps;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Istio's {@code TranslateHeadersOperations}: {@code set} overwrites, {@code add} appends, and neither names a
 * pseudo-header or Host, which Envoy refuses as a header to add or remove ({@link HostRewrite} turns the authority into
 * a host rewrite instead).
 */
final class HeaderOperations {

    private HeaderOperations() {}

    static List<HeaderValueOption> toAdd(HeaderOps ops) {
        List<HeaderValueOption> out = new ArrayList<>();
        ops.set().forEach((k, v) -> {
            if (!internal(k)) {
                out.add(headerValue(k, v, HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD));
            }
        });
        ops.add().forEach((k, v) -> {
            if (!internal(k)) {
                out.add(headerValue(k, v, HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD));
            }
        });
        return out;
    }

    static List<String> toRemove(HeaderOps ops) {
        return ops.remove().stream().filter(h -> !internal(h)).toList();
    }

    /** Pseudo-headers and Host cannot be changed as headers. */
    static boolean internal(String header) {
        return header.startsWith(":") || header.equalsIgnoreCase("host");
    }

    static HeaderValueOption headerValue(String k, String v, HeaderValueOption.HeaderAppendAction action) {
        return HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey(k).setValue(v))
                .setAppendAction(action)
                .build();
    }
}
