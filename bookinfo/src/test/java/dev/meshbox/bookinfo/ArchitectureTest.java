package dev.meshbox.bookinfo;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Bookinfo's layering, as its package-info describes it: {@code http} at the bottom (what every app shares, and the
 * project's HTTP client), one package per app above it, and the root package on top, turning a context into a running
 * workload. The HTTP client needs nothing but the JDK, so the scenario library uses it without the apps' web server.
 */
class ArchitectureTest {

    private static final String ROOT = "dev.meshbox.bookinfo";
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);

    /** The client and the parts it is made of, all in {@code http}. */
    private static final Set<String> CLIENT =
            Set.of("Http1Client", "Http1Request", "Http1Response", "ResponseReader", "DeadlineInputStream");

    @Test
    void noPackageDependsOnItselfThroughAnother() {
        // Every package, the root one included, is a slice of its own.
        SliceAssignment byPackage = new SliceAssignment() {
            @Override
            public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
                return javaClass.getPackageName().startsWith(ROOT)
                        ? SliceIdentifier.of(javaClass.getPackageName())
                        : SliceIdentifier.ignore();
            }

            @Override
            public String getDescription() {
                return "the packages of " + ROOT;
            }
        };
        slices().assignedFrom(byPackage).should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void theSharedHttpPackageKnowsNoApp() {
        noClasses()
                .that()
                .resideInAPackage(ROOT + ".http..")
                .should()
                .dependOnClassesThat(DescribedPredicate.describe(
                        "are in another package of " + ROOT,
                        c -> c.getPackageName().startsWith(ROOT)
                                && !c.getPackageName().equals(ROOT + ".http")))
                .check(MAIN);
    }

    @Test
    void appsDoNotCallEachOthersCodeOnlyEachOtherOverTheMesh() {
        slices().matching(ROOT + ".(*)..")
                .should()
                .notDependOnEachOther()
                .ignoreDependency(DescribedPredicate.alwaysTrue(), inPackage(ROOT + ".http"))
                .check(MAIN);
    }

    @Test
    void theHttpClientNeedsOnlyTheJdk() {
        DescribedPredicate<JavaClass> client = DescribedPredicate.describe(
                "the HTTP client",
                c -> c.getPackageName().equals(ROOT + ".http")
                        && CLIENT.contains(
                                c.getName().substring(ROOT.length() + 6).replaceAll("\\$.*", "")));
        classes()
                .that(client)
                .should()
                .onlyDependOnClassesThat(DescribedPredicate.or(
                        DescribedPredicate.describe(
                                "in the JDK",
                                c -> c.getPackageName().startsWith("java.")
                                        || c.isPrimitive()
                                        || c.isArray()
                                                && c.getBaseComponentType()
                                                        .getPackageName()
                                                        .startsWith("java.")
                                        || c.isArray()
                                                && c.getBaseComponentType().isPrimitive()),
                        client))
                .check(MAIN);
    }

    private static DescribedPredicate<JavaClass> inPackage(String name) {
        return DescribedPredicate.describe("in " + name, c -> c.getPackageName().equals(name));
    }
}
