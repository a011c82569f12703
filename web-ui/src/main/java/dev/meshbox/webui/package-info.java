/**
 * The MeshBox web UI: a Javalin server on 127.0.0.1:20001 (Kiali's port) beside the control plane, as Kiali sits
 * beside istiod, so it works for every backend.
 * <p>
 * {@link dev.meshbox.webui.UiMesh} is all it needs of a mesh (the launcher implements it over its MeshControl);
 * {@link dev.meshbox.webui.WebUi} serves the page from this jar (vanilla JS, CSS and SVG under
 * {@code dev/meshbox/webui/public}, no CDN) and the REST API under {@code /api} ({@code Api}). Behind the API:
 * {@code Topology} polls every proxy's Prometheus endpoint and {@code TrafficGraph} turns two readings into rates,
 * 5xx shares and the split per version (pure, unit-tested); {@code ScenarioCatalog} and {@code Runs} run scenarios on
 * the running mesh; {@code ConfigApi} applies the editor's YAML and places each problem at its line
 * ({@code ProblemLines}) and tabulates what each proxy holds ({@code ProxyConfigView}) and its workload certificate
 * ({@code CertificateView}, from the proxy's {@code /certs}); {@code TrafficGenerators} and
 * {@code AccessLogTail} are the traffic panel; {@code Lessons} are Istio's tasks as guided lessons
 * ({@code lessons.yaml}). {@code MeshGuard} lets one config change run at a time.
 * <p>
 * The dashboards ({@code DashboardApi}, {@code Dashboards}): {@code MetricsStore} scrapes every proxy's 15090 every
 * 5 s into 15-minute ring buffers and evaluates Istio's dashboard queries ({@code PromQuery}: sum of rates,
 * histogram_quantile, ratios) with Prometheus's arithmetic ({@code PromMath}); {@code PrometheusSource} sends the same
 * queries' PromQL to a running Prometheus instead. Both are a {@code MetricsSource}.
 */
package dev.meshbox.webui;
