package dev.meshbox.controlplane.config;

import java.util.List;
import java.util.Map;

/** networking.istio.io Gateway, validated: which gateway pods listen on which ports for which hosts. */
public record Gateway(ResourceMeta meta, String yaml, Map<String, String> selector, List<Server> servers)
        implements IstioResource {

    public record Server(int port, String portName, String protocol, List<String> hosts) {}
}
