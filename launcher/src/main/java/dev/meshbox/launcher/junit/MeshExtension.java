package dev.meshbox.launcher.junit;

import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.ScenarioReport;
import dev.meshbox.scenarios.ScenarioRunner;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.BeforeTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Runs {@link MeshTest} classes and {@link MeshScenario} methods. A class's mesh lives in the class's
 * {@link ExtensionContext.Store}, which closes it after the class whatever happened; a scenario that needs other
 * workloads gets a mesh in its method's store. Registered by the annotations; there is nothing to configure.
 */
public final class MeshExtension
        implements BeforeAllCallback, BeforeEachCallback, BeforeTestExecutionCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(MeshExtension.class);
    private static final String MESH = "mesh";
    private static final String VIEW = "view:";
    private static final String REPORT = "report";

    @Override
    public void beforeAll(ExtensionContext context) {
        Class<?> testClass = context.getRequiredTestClass();
        // A @Nested class without a @MeshTest of its own finds its enclosing class's mesh through the store's parents.
        Optional<MeshTest> test = AnnotationSupport.findAnnotation(testClass, MeshTest.class);
        if (test.isPresent()) {
            MeshSettings settings = MeshSettings.of(test.get(), testClass, context::getConfigurationParameter);
            context.getStore(NAMESPACE).put(MESH, RunningMesh.start(settings));
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        mesh(context).ifPresent(RunningMesh::resetIfChanged);
    }

    /** Runs a {@link MeshScenario} after the {@code @BeforeEach} methods, so a failing one fails the test itself. */
    @Override
    public void beforeTestExecution(ExtensionContext context) throws InterruptedException {
        Optional<MeshScenario> annotation =
                AnnotationSupport.findAnnotation(context.getRequiredTestMethod(), MeshScenario.class);
        if (annotation.isEmpty()) {
            return;
        }
        String location = annotation.get().value();
        Class<?> testClass = context.getRequiredTestClass();
        Scenario scenario = Locations.scenario(location, MeshSettings.loader(testClass));
        Optional<RunningMesh> classMesh = mesh(context)
                .filter(m -> m.fits(scenario.workloads(), scenario.seed()))
                .filter(m -> !scenario.tracing() || m.settings().tracing());
        RunningMesh target;
        if (classMesh.isPresent()) {
            target = classMesh.get();
            target.clearForScenario();
        } else {
            target = RunningMesh.start(MeshSettings.forScenario(
                    scenario,
                    AnnotationSupport.findAnnotation(testClass, MeshTest.class),
                    testClass,
                    context::getConfigurationParameter));
            context.getStore(NAMESPACE).put(MESH, target);
        }
        OptionalLong seed = scenario.seed().map(OptionalLong::of).orElse(target.seed());
        ScenarioRunner runner = new ScenarioRunner(target.access(), System.out, seed);
        target.zipkin()
                .map(a -> java.net.URI.create("http://" + RunningMesh.hostPort(a)))
                .ifPresent(runner::withZipkin);
        ScenarioReport report = runner.run(scenario);
        context.getStore(NAMESPACE).put(REPORT, report);
        if (!report.passed()) {
            throw new AssertionError(ReportText.failure(report, location));
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        if (type == Mesh.class) {
            return true;
        }
        return type == ScenarioReport.class
                && context.getTestMethod()
                        .filter(m -> m.equals(parameter.getDeclaringExecutable()))
                        .flatMap(m -> AnnotationSupport.findAnnotation(m, MeshScenario.class))
                        .isPresent();
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        if (parameter.getParameter().getType() == ScenarioReport.class) {
            return context.getStore(NAMESPACE).get(REPORT, ScenarioReport.class);
        }
        RunningMesh running = mesh(context)
                .orElseThrow(() -> new ParameterResolutionException("no mesh for " + parameter.getDeclaringExecutable()
                        + ": annotate " + context.getRequiredTestClass().getSimpleName() + " with @MeshTest"));
        // One view per test (or per class, for @BeforeAll and constructors): a @BeforeEach and its test share request
        // numbering.
        return context.getStore(NAMESPACE)
                .getOrComputeIfAbsent(VIEW + context.getUniqueId(), key -> view(running, context), Mesh.class);
    }

    private static Mesh view(RunningMesh running, ExtensionContext context) {
        String base = context.getRequiredTestClass().getSimpleName()
                + context.getTestMethod().map(m -> "-" + m.getName()).orElse("");
        Mesh.Scope scope = context.getTestMethod().isPresent() ? Mesh.Scope.TEST : Mesh.Scope.CLASS;
        return new Mesh(
                running, running.claimRunPrefix(base), scope, MeshSettings.loader(context.getRequiredTestClass()));
    }

    /** The nearest mesh: the test method's own (a scenario's), else its class's, else an enclosing class's. */
    private static Optional<RunningMesh> mesh(ExtensionContext context) {
        return Optional.ofNullable(context.getStore(NAMESPACE).get(MESH, RunningMesh.class));
    }
}
