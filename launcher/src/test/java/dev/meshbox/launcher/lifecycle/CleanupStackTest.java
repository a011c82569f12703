package dev.meshbox.launcher.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The clean-up stack: last in, first undone; every step runs; failures reported together; one shutdown hook. */
class CleanupStackTest {

    private final List<String> undone = new ArrayList<>();

    private AutoCloseable undo(String what) {
        return () -> undone.add(what);
    }

    /** Records what is registered with the JVM instead of registering it. */
    static final class RecordingHooks implements CleanupStack.Hooks {
        final List<Thread> added = new ArrayList<>();
        final List<Thread> removed = new ArrayList<>();

        @Override
        public void add(Thread hook) {
            added.add(hook);
        }

        @Override
        public void remove(Thread hook) {
            removed.add(hook);
        }
    }

    @Test
    void stepsAreUndoneLastPushedFirst() {
        CleanupStack stack = new CleanupStack("mesh");
        stack.push("network", undo("network"));
        stack.push("control plane", undo("control plane"));
        stack.push("sidecar", undo("sidecar"));

        stack.close();

        assertThat(undone).containsExactly("sidecar", "control plane", "network");
    }

    @Test
    void aFailingStepDoesNotStopTheOthersAndEveryFailureIsReported() {
        CleanupStack stack = new CleanupStack("mesh 1a2b");
        stack.push("network", undo("network"));
        stack.push("container istiod", () -> {
            throw new IllegalStateException("engine gone");
        });
        stack.push("port-forward", undo("port-forward"));
        stack.push("container app", () -> {
            throw new java.io.IOException("connection reset");
        });

        assertThatThrownBy(stack::close)
                .isInstanceOf(CleanupStack.CleanupFailed.class)
                .hasMessage("mesh 1a2b: 2 of 4 clean-up steps failed: container app: connection reset;"
                        + " container istiod: engine gone")
                .satisfies(e -> assertThat(e.getSuppressed())
                        .extracting(Throwable::getMessage)
                        .containsExactly("connection reset", "engine gone"));
        assertThat(undone).containsExactly("port-forward", "network");
    }

    @Test
    void aSecondCloseDoesNothing() {
        CleanupStack stack = new CleanupStack("mesh");
        stack.push("network", undo("network"));

        stack.close();
        stack.close();

        assertThat(undone).containsExactly("network");
    }

    @Test
    void anInterruptedStepLetsTheOthersRunAndKeepsTheInterrupt() {
        CleanupStack stack = new CleanupStack("mesh");
        stack.push("network", undo("network"));
        stack.push("wait for deletion", () -> {
            throw new InterruptedException();
        });

        try {
            assertThatThrownBy(stack::close).hasMessageContaining("wait for deletion: InterruptedException");
            assertThat(undone).containsExactly("network");
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void aStepPushedAfterTheStackRanIsUndoneAtOnceAndThePushFails() {
        CleanupStack stack = new CleanupStack("mesh");
        stack.close();

        assertThatThrownBy(() -> stack.push("container late", undo("container late")))
                .isInstanceOf(CleanupStack.CleanupFailed.class)
                .hasMessage("mesh was cleaned up already, so container late was undone at once");
        assertThat(undone).containsExactly("container late");
    }

    @Test
    void theShutdownHookIsRegisteredOnceAndRemovedByClose() {
        RecordingHooks hooks = new RecordingHooks();
        CleanupStack stack = CleanupStack.withShutdownHook("meshbox-docker-cleanup", hooks, System.err);
        stack.push("a", undo("a"));
        stack.push("b", undo("b"));

        stack.close();

        assertThat(hooks.added).hasSize(1);
        assertThat(hooks.added.get(0).getName()).isEqualTo("meshbox-docker-cleanup");
        assertThat(hooks.removed).containsExactly(hooks.added.get(0));
        assertThat(undone).containsExactly("b", "a");
    }

    @Test
    void theShutdownHookUndoesEverythingAndPrintsFailures() throws Exception {
        RecordingHooks hooks = new RecordingHooks();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CleanupStack stack = CleanupStack.withShutdownHook(
                "meshbox-kubernetes-cleanup", hooks, new PrintStream(err, true, StandardCharsets.UTF_8));
        stack.push("namespace label", undo("namespace label"));
        stack.push("Deployment default/reviews-v1", () -> {
            throw new IllegalStateException("forbidden");
        });

        Thread hook = hooks.added.get(0);
        hook.start();
        hook.join();

        assertThat(undone).containsExactly("namespace label");
        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo("meshbox: meshbox-kubernetes-cleanup: 1 of 2 clean-up steps failed:"
                        + " Deployment default/reviews-v1: forbidden" + System.lineSeparator());
        // A close after the hook ran finds nothing left to do.
        stack.close();
        assertThat(undone).containsExactly("namespace label");
    }
}
