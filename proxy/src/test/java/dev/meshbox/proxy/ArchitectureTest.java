package dev.meshbox.proxy;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.google.common.base.Ticker;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The proxy's layering, as docs/architecture.md draws it: packages in floors, each using only the floors below it;
 * Envoy's protos only where xDS resources are read; no wall clock and no unseeded randomness outside the proxy's
 * start-up, so that {@code --seed} replays exactly and tests can move time by hand.
 */
class ArchitectureTest {

    private static final JavaClasses PROXY = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.meshbox.proxy");

    /** Bottom first. A package may use its own floor's neighbours only where listed on one floor. */
    private static final List<List<String>> FLOORS = List.of(
            List.of("random", "accesslog", "route", "rbac", "tracing"),
            List.of("tls"),
            List.of("spec"),
            List.of("endpoint"),
            List.of("cluster"),
            List.of("stats"),
            List.of("http"),
            List.of("router"),
            List.of("filter"),
            List.of("config"),
            List.of("tcp"),
            List.of("listener", "xds"),
            List.of("admin"));

    @Test
    void packagesHaveNoCycles() {
        slices().matching("dev.meshbox.proxy.(*)..").should().beFreeOfCycles().check(PROXY);
    }

    @TestFactory
    List<DynamicTest> noPackageUsesAHigherFloor() {
        return IntStream.range(0, FLOORS.size() - 1)
                .mapToObj(i -> DynamicTest.dynamicTest("floor " + i + " " + FLOORS.get(i), () -> {
                    String[] higher = FLOORS.subList(i + 1, FLOORS.size()).stream()
                            .flatMap(List::stream)
                            .map(p -> "dev.meshbox.proxy." + p + "..")
                            .toArray(String[]::new);
                    String[] here = FLOORS.get(i).stream()
                            .map(p -> "dev.meshbox.proxy." + p + "..")
                            .toArray(String[]::new);
                    noClasses()
                            .that()
                            .resideInAnyPackage(here)
                            .should()
                            .dependOnClassesThat()
                            .resideInAnyPackage(higher)
                            .orShould()
                            .dependOnClassesThat()
                            .resideInAPackage("dev.meshbox.proxy")
                            .check(PROXY);
                }))
                .toList();
    }

    @Test
    void envoysProtosStayInTheSpecAndXdsLayers() {
        noClasses()
                .that()
                .resideOutsideOfPackages("dev.meshbox.proxy.spec..", "dev.meshbox.proxy.xds..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.envoyproxy..", "com.github.udpa..", "com.github.xds..")
                .check(PROXY);
    }

    @Test
    void timeAndRandomnessAreInjected() {
        noClasses()
                .that()
                .resideInAPackage("dev.meshbox.proxy..")
                .and()
                .doNotHaveFullyQualifiedName(ProxyOptions.class.getName())
                .and()
                .doNotHaveFullyQualifiedName(Proxy.class.getName())
                .should()
                .callMethod(System.class, "nanoTime")
                .orShould()
                .callMethod(System.class, "currentTimeMillis")
                .orShould()
                .callMethod(Instant.class, "now")
                .orShould()
                .callMethod(Clock.class, "systemUTC")
                .orShould()
                .callMethod(Clock.class, "systemDefaultZone")
                .orShould()
                .callMethod(Ticker.class, "systemTicker")
                .orShould()
                .callMethod(Math.class, "random")
                .orShould()
                .callMethod(UUID.class, "randomUUID")
                .orShould()
                .callConstructor(Random.class)
                .orShould()
                .callConstructor(SplittableRandom.class)
                .orShould()
                .callConstructor(SecureRandom.class)
                .orShould()
                .dependOnClassesThat()
                .areAssignableTo(ThreadLocalRandom.class)
                .because("every random choice comes from RandomSource and every duration from the injected ticker")
                .check(PROXY);
    }
}
