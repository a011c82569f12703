/**
 * A configurable echo workload for mesh tests: it reports its service, version and pod with the request it
 * received, and can be made slow or failing, at start ({@link dev.meshbox.bookinfo.echo.EchoBehaviour}) or
 * while it runs ({@code POST /__meshbox/behaviour}), reproducibly under a seed
 * ({@link dev.meshbox.bookinfo.echo.EchoFaults}). Created through {@link dev.meshbox.bookinfo.TestApps#echo}.
 */
package dev.meshbox.bookinfo.echo;
