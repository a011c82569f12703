/**
 * Distributed tracing as Envoy's Zipkin tracer does it for Istio, without Envoy's protos: {@code TracingConfig} (a
 * connection manager's {@code tracing}, converted in {@code spec}), {@code TraceContext} (B3 single and multi
 * headers, W3C {@code traceparent}), {@code Span} (Zipkin's v2 model and JSON, the same fields Zipkin's API gives
 * back) and {@code ZipkinReporter} (a bounded queue and one background thread posting batches to the collector
 * cluster; when the collector is unknown, unreachable or refuses, spans are dropped and counted, never slowing a
 * request). The per-request part, deciding sampling and naming and tagging the span, is {@code http.RequestTracing}.
 * See docs/tracing.md.
 */
package dev.meshbox.proxy.tracing;
