/**
 * Istio's observability addons around a mesh, as child processes of the launcher: Zipkin's own server
 * ({@link dev.meshbox.launcher.addons.ZipkinServer}, the exec jar Maven fetches on first use) registered as
 * {@code zipkin.istio-system}, so the proxies' collector cluster resolves to it, and Debian's Prometheus
 * ({@link dev.meshbox.launcher.addons.PrometheusServer}) scraping every proxy with Istio's job names. Each stops with
 * the mesh, and dies with the launcher even when the launcher is killed.
 */
package dev.meshbox.launcher.addons;
