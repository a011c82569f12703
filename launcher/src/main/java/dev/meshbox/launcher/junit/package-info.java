/**
 * Testing Istio config in an ordinary JUnit 5 test, without a cluster.
 *
 * <p>{@link dev.meshbox.launcher.junit.MeshTest} registers {@link dev.meshbox.launcher.junit.MeshExtension}, which
 * starts one mesh per test class (a {@code RunningMesh}, kept in the class's {@code ExtensionContext.Store} so JUnit
 * closes it) and hands each test a {@link dev.meshbox.launcher.junit.Mesh}: a view that applies config, sends
 * {@link dev.meshbox.launcher.junit.Request}s with request ids named after the test, and returns
 * {@link dev.meshbox.launcher.junit.Responses}. Those join each response with the proxies' access-log entries for its
 * request id: which version served it, which cluster and route the sender chose, which response flags were set.
 * {@link dev.meshbox.launcher.junit.MeshAssertions} turns that into AssertJ assertions whose failures explain the
 * routing. {@link dev.meshbox.launcher.junit.MeshScenario} runs a scenario file through the scenarios module's runner
 * instead.
 *
 * <p>JUnit Jupiter and AssertJ are {@code provided} dependencies of the launcher: the test project brings its own.
 * {@code Responses} and {@code Mesh} do not need AssertJ.
 */
package dev.meshbox.launcher.junit;
