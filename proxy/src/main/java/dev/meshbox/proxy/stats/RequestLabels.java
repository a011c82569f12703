package dev.meshbox.proxy.stats;

/**
 * The label set of one series of Istio's standard HTTP metrics. {@code request_protocol} is {@code grpc} for gRPC
 * requests, which also carry {@code grpc_response_status} (the answer's grpc-status number), else {@code http}; the
 * principals are the SPIFFE identities of an inbound mutual TLS connection's two ends, {@code unknown} otherwise.
 */
public record RequestLabels(
        String reporter,
        Workload source,
        Workload destination,
        String destinationService,
        String destinationServiceName,
        String destinationServiceNamespace,
        int responseCode,
        String responseFlags,
        String connectionSecurityPolicy,
        String sourcePrincipal,
        String destinationPrincipal,
        boolean grpc,
        String grpcResponseStatus) {

    public RequestLabels(
            String reporter,
            Workload source,
            Workload destination,
            String destinationService,
            String destinationServiceName,
            String destinationServiceNamespace,
            int responseCode,
            String responseFlags,
            String connectionSecurityPolicy,
            String sourcePrincipal,
            String destinationPrincipal) {
        this(
                reporter,
                source,
                destination,
                destinationService,
                destinationServiceName,
                destinationServiceNamespace,
                responseCode,
                responseFlags,
                connectionSecurityPolicy,
                sourcePrincipal,
                destinationPrincipal,
                false,
                null);
    }

    public RequestLabels {
        sourcePrincipal = Workload.orUnknown(sourcePrincipal);
        destinationPrincipal = Workload.orUnknown(destinationPrincipal);
        destinationService = Workload.orUnknown(destinationService);
        destinationServiceName = Workload.orUnknown(destinationServiceName);
        destinationServiceNamespace = Workload.orUnknown(destinationServiceNamespace);
        responseFlags = responseFlags == null || responseFlags.isEmpty() ? "-" : responseFlags;
    }

    /** The labels in Istio's order, as Prometheus text. */
    String render() {
        StringBuilder b = new StringBuilder(512);
        add(b, "reporter", reporter);
        add(b, "source_workload", source.name());
        add(b, "source_workload_namespace", source.namespace());
        add(b, "source_principal", sourcePrincipal);
        add(b, "source_app", source.app());
        add(b, "source_version", source.version());
        add(b, "source_cluster", source.cluster());
        add(b, "destination_workload", destination.name());
        add(b, "destination_workload_namespace", destination.namespace());
        add(b, "destination_principal", destinationPrincipal);
        add(b, "destination_app", destination.app());
        add(b, "destination_version", destination.version());
        add(b, "destination_service", destinationService);
        add(b, "destination_service_name", destinationServiceName);
        add(b, "destination_service_namespace", destinationServiceNamespace);
        add(b, "destination_cluster", destination.cluster());
        add(b, "request_protocol", grpc ? "grpc" : "http");
        add(b, "response_code", Integer.toString(responseCode));
        if (grpc) {
            // Only on gRPC series here, so HTTP series keep their shape; Istio writes it empty on those.
            add(b, "grpc_response_status", grpcResponseStatus == null ? "" : grpcResponseStatus);
        }
        add(b, "response_flags", responseFlags);
        add(b, "connection_security_policy", connectionSecurityPolicy);
        return b.toString();
    }

    static void add(StringBuilder b, String name, String value) {
        if (!b.isEmpty()) {
            b.append(',');
        }
        b.append(name).append("=\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '"' -> b.append("\\\"");
                case '\n' -> b.append("\\n");
                default -> b.append(c);
            }
        }
        b.append('"');
    }
}
