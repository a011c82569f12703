package dev.meshbox.launcher.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Istio's Prometheus addon on a cluster, as {@code samples/addons/prometheus.yaml} deploys it in istio-system:
 * ServiceAccount, ClusterRole and ClusterRoleBinding (read pods, services, endpoints, nodes), the ConfigMap
 * {@code prometheus} with Istio's jobs ({@code kubernetes-pods}: Kubernetes pod discovery kept to the pods annotated
 * {@code prometheus.io/scrape}, which the injector sets on every sidecar's pod with port 15090 and path
 * {@code /stats/prometheus}; {@code prometheus} itself), the Service {@code prometheus} on 9090 ({@code http}) and the
 * Deployment, without a sidecar, running {@code image} (the cluster pulls it) on that config.
 */
final class PrometheusManifest {

    /** The addon's image, as Istio's sample pins it. */
    static final String IMAGE = "prom/prometheus:v3.5.0";

    static final String NAME = "prometheus";
    static final int PORT = 9090;

    private PrometheusManifest() {}

    /** Istio's addon {@code prometheus.yml}: scrape every 15 s, the pods job and Prometheus itself. */
    static String config() {
        return """
                global:
                  scrape_interval: 15s
                  scrape_timeout: 10s
                  evaluation_interval: 1m
                scrape_configs:
                - job_name: prometheus
                  static_configs:
                  - targets: ['localhost:9090']
                - job_name: kubernetes-pods
                  honor_labels: true
                  kubernetes_sd_configs:
                  - role: pod
                  relabel_configs:
                  - action: keep
                    regex: 'true'
                    source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]
                  - action: drop
                    regex: 'true'
                    source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape_slow]
                  - action: replace
                    regex: '(https?)'
                    source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scheme]
                    target_label: __scheme__
                  - action: replace
                    regex: '(.+)'
                    source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_path]
                    target_label: __metrics_path__
                  - action: replace
                    regex: '(\\d+);((([0-9]+?)(\\.|$)){4})'
                    replacement: '$2:$1'
                    source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_port, __meta_kubernetes_pod_ip]
                    target_label: __address__
                  - action: labelmap
                    regex: '__meta_kubernetes_pod_annotation_prometheus_io_param_(.+)'
                    replacement: '__param_$1'
                  - action: labelmap
                    regex: '__meta_kubernetes_pod_label_(.+)'
                  - action: replace
                    source_labels: [__meta_kubernetes_namespace]
                    target_label: namespace
                  - action: replace
                    source_labels: [__meta_kubernetes_pod_name]
                    target_label: pod
                  - action: drop
                    regex: 'Pending|Succeeded|Failed|Completed'
                    source_labels: [__meta_kubernetes_pod_phase]
                """;
    }

    /** The addon's objects, for {@code client} to create (and the mesh to delete). */
    static List<HasMetadata> objects(KubernetesClient client, String image) {
        String ns = KubeMesh.SYSTEM;
        String configYaml = config().indent(4);
        String text = """
                apiVersion: v1
                kind: ServiceAccount
                metadata: {name: prometheus, namespace: %1$s, labels: {app: prometheus}}
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata: {name: prometheus, labels: {app: prometheus}}
                rules:
                - apiGroups: [""]
                  resources: [nodes, nodes/proxy, nodes/metrics, services, endpoints, pods, ingresses, configmaps]
                  verbs: [get, list, watch]
                - nonResourceURLs: [/metrics]
                  verbs: [get]
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRoleBinding
                metadata: {name: prometheus, labels: {app: prometheus}}
                roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: prometheus}
                subjects:
                - {kind: ServiceAccount, name: prometheus, namespace: %1$s}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: prometheus, namespace: %1$s, labels: {app: prometheus}}
                data:
                  prometheus.yml: |
                %3$s
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: prometheus, namespace: %1$s, labels: {app: prometheus}}
                spec:
                  selector: {app: prometheus}
                  ports:
                  - {name: http, port: 9090, protocol: TCP, targetPort: 9090}
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: prometheus, namespace: %1$s, labels: {app: prometheus}}
                spec:
                  replicas: 1
                  selector:
                    matchLabels: {app: prometheus}
                  template:
                    metadata:
                      labels: {app: prometheus, sidecar.istio.io/inject: "false"}
                      annotations: {sidecar.istio.io/inject: "false"}
                    spec:
                      serviceAccountName: prometheus
                      containers:
                      - name: prometheus-server
                        image: %2$s
                        args:
                        - --storage.tsdb.retention.time=15d
                        - --config.file=/etc/config/prometheus.yml
                        - --storage.tsdb.path=/data
                        - --web.enable-lifecycle
                        ports:
                        - {containerPort: 9090}
                        readinessProbe:
                          httpGet: {path: /-/ready, port: 9090}
                        volumeMounts:
                        - {name: config-volume, mountPath: /etc/config}
                        - {name: storage-volume, mountPath: /data}
                      volumes:
                      - name: config-volume
                        configMap: {name: prometheus}
                      - name: storage-volume
                        emptyDir: {}
                """.formatted(ns, image, configYaml.stripTrailing());
        return client.load(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)))
                .items();
    }
}
