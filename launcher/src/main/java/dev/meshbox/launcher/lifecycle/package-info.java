/**
 * What every backend needs to start and stop a mesh, at the bottom of the launcher (it imports nothing of it):
 * {@link dev.meshbox.launcher.lifecycle.Wait} asks a condition until it holds or a deadline passes, and fails with
 * what was awaited and why it was not ready; {@link dev.meshbox.launcher.lifecycle.CleanupStack} undoes what a start
 * did, last first, on close, on a failed start and on Ctrl-C. Testcontainers' {@code WaitStrategy} and
 * {@code ResourceReaper} play these parts there.
 */
package dev.meshbox.launcher.lifecycle;
