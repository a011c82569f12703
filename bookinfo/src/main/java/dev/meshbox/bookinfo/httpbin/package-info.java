/**
 * An httpbin stand-in for Istio's traffic-management tasks (fault injection, timeouts, retries, mirroring):
 * {@code /get}, {@code /headers}, {@code /ip}, {@code /status/{code}}, {@code /delay/{seconds}},
 * {@code /anything}, plus MeshBox's request log on {@code /__meshbox/requests}. Created through
 * {@link dev.meshbox.bookinfo.TestApps#httpbin}.
 */
package dev.meshbox.bookinfo.httpbin;
