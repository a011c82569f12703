package dev.meshbox.proxy.forward;

import dev.meshbox.proxy.listener.HcmSpec;

/** The HTTP connection manager a request landed on; a null {@code hcm} means no listener took it (404 NR). */
public record ResolvedListener(String listenerName, String direction, HcmSpec hcm) {}
