/**
 * Istio's Bookinfo sample apps, reimplemented on Javalin for MeshBox.
 *
 * <p>{@link dev.meshbox.bookinfo.BookinfoApps#create} turns an {@link dev.meshbox.bookinfo.AppContext}
 * into a {@link dev.meshbox.bookinfo.Workload}: one Javalin server per app, on its own small thread pool.
 * Apps never connect to each other: every outbound call goes to the context's {@code outboundProxy} (the
 * pod's sidecar) with the service named in the Host header, through {@code http.Http1Client}, and carries
 * the propagated tracing and user headers ({@code http.ForwardedHeaders}). The sub-packages hold one app
 * each ({@code productpage}, {@code details}, {@code reviews}, {@code ratings}); their client timeouts and
 * retries copy Bookinfo's hard-coded ones because Istio's tasks (fault injection, timeouts) depend on them.
 *
 * <p>{@link dev.meshbox.bookinfo.TestApps} makes the two test workloads in the same shape: {@code httpbin}
 * and a configurable {@code echo} app. They call no one; they record what they receive
 * ({@code http.RequestLog}) and wait on a timer ({@code http.Delays}) rather than on a Jetty thread.
 *
 * <p>Layers, checked by {@code ArchitectureTest}: {@code http} at the bottom knows no app (what the apps share, and
 * the project's one HTTP/1.1 client, which needs only the JDK so that the scenario library can use it); each app's
 * package uses {@code http} and no other app's code; this package is on top, running an app's routes as a
 * {@link dev.meshbox.bookinfo.Workload} ({@link dev.meshbox.bookinfo.JavalinWorkload}).
 */
package dev.meshbox.bookinfo;
