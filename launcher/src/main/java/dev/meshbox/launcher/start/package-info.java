/**
 * Starting a mesh on the backend a user names ({@code --backend}, {@code @MeshTest(backend = ...)}):
 * {@link dev.meshbox.launcher.start.Backends} is the one class that knows every backend, so it sits above them; the
 * CLI and the JUnit extension use it, and each backend knows only the contract in {@code backend}.
 */
package dev.meshbox.launcher.start;
