package dev.meshbox.controlplane.translate;

import dev.meshbox.controlplane.config.Gateway;
import dev.meshbox.controlplane.config.VirtualService;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What {@code istioctl analyze} says about a VirtualService's gateway bindings, as translation warnings: a gateway that
 * does not exist (IST0101 ReferencedResourceNotFound) and hosts no server of the bound Gateway exposes (IST0132
 * VirtualServiceHostNotFoundInGateway). Either way the gateway serves nothing of it for those hosts (404 NR there);
 * the VirtualService is not rejected, since Istio accepts it.
 */
final class GatewayBindings {

    private GatewayBindings() {}

    static List<String> warnings(MeshView view) {
        List<String> out = new ArrayList<>();
        List<Gateway> gateways = view.gateways();
        for (VirtualService vs : view.virtualServices().virtualServices()) {
            for (int i = 0; i < vs.gateways().size(); i++) {
                String ref = vs.gateways().get(i);
                if (ref.equals(VirtualService.MESH)) {
                    continue;
                }
                Optional<Gateway> gw = gateways.stream()
                        .filter(g -> MeshView.refersTo(ref, vs.meta().namespace(), g))
                        .findFirst();
                String vsName = vs.meta().namespace() + "/" + vs.meta().name();
                if (gw.isEmpty()) {
                    out.add(vs.meta().display() + ": spec.gateways[" + i + "]: Referenced gateway not found: \""
                            + qualified(ref, vs.meta().namespace()) + "\" (IST0101)");
                    continue;
                }
                List<String> missing = vs.hosts().stream()
                        .filter(h -> gw.get().servers().stream().noneMatch(s -> Translator.hostAllowed(s.hosts(), h)))
                        .toList();
                if (!missing.isEmpty()) {
                    out.add(vs.meta().display() + ": spec.hosts: one or more host " + missing
                            + " defined in VirtualService " + vsName + " not found in Gateway "
                            + gw.get().meta().namespace() + "/"
                            + gw.get().meta().name()
                            + ". (IST0132; that gateway does not route them)");
                }
            }
        }
        return out;
    }

    private static String qualified(String ref, String namespace) {
        return ref.contains("/") ? ref : namespace + "/" + ref;
    }
}
