package dev.meshbox.proxy.route;

import java.util.List;

/**
 * A route's (or a weighted cluster's) {@code request_headers_to_add/remove} and {@code response_headers_to_add/remove},
 * converted once ({@code spec.HeaderMutationsConverter} checks them as Envoy does).
 */
public record HeaderMutations(
        List<HeaderAdd> requestAdd,
        List<String> requestRemove,
        List<HeaderAdd> responseAdd,
        List<String> responseRemove) {

    /** Envoy's {@code HeaderValueOption.HeaderAppendAction}. */
    public enum Action {
        APPEND_IF_EXISTS_OR_ADD,
        ADD_IF_ABSENT,
        OVERWRITE_IF_EXISTS_OR_ADD,
        OVERWRITE_IF_EXISTS
    }

    public record HeaderAdd(String name, String value, Action action) {}

    public static final HeaderMutations NONE = new HeaderMutations(List.of(), List.of(), List.of(), List.of());

    public HeaderMutations {
        requestAdd = List.copyOf(requestAdd);
        requestRemove = List.copyOf(requestRemove);
        responseAdd = List.copyOf(responseAdd);
        responseRemove = List.copyOf(responseRemove);
    }

    public boolean isEmpty() {
        return requestAdd.isEmpty() && requestRemove.isEmpty() && responseAdd.isEmpty() && responseRemove.isEmpty();
    }
}
