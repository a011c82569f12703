package dev.meshbox.proxy.route;

/** A compiled {@code RequestMirrorPolicy}: a copy of the request goes to {@code cluster} for that share. */
public record MirrorPolicy(String cluster, int perMillion) {}
