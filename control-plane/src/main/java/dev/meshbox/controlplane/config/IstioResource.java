package dev.meshbox.controlplane.config;

/** A validated Istio networking resource. */
public sealed interface IstioResource
        permits VirtualService,
                DestinationRule,
                Gateway,
                KubeGateway,
                KubeHttpRoute,
                ReferenceGrant,
                AuthorizationPolicy,
                RequestAuthentication,
                PeerAuthentication,
                ServiceEntry,
                WorkloadEntry,
                Sidecar,
                KubeSecret,
                Telemetry {
    ResourceMeta meta();

    /** The resource as the user wrote it (spec only), kept for display and round-trips. */
    String yaml();
}
