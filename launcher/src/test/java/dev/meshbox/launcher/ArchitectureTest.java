package dev.meshbox.launcher;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.Test;

/**
 * The launcher's layering, checked on its main classes: no two packages need each other (the root package, which holds
 * {@code Main}, counts as one), and the backend contract ({@code backend}, with the local backend) knows neither the
 * Docker nor the Kubernetes backend; only {@code start.Backends} knows them all.
 */
class ArchitectureTest {

    private static final String LAUNCHER = "dev.meshbox.launcher";

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages(LAUNCHER);

    /** One slice per top-level package under the launcher, and one for the root package itself. */
    private static final SliceAssignment TOP_LEVEL_PACKAGES = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
            String pkg = javaClass.getPackageName();
            if (pkg.equals(LAUNCHER)) {
                return SliceIdentifier.of("(root)");
            }
            if (pkg.startsWith(LAUNCHER + ".")) {
                return SliceIdentifier.of(pkg.substring(LAUNCHER.length() + 1).split("\\.")[0]);
            }
            return SliceIdentifier.ignore();
        }

        @Override
        public String getDescription() {
            return "top-level packages of " + LAUNCHER;
        }
    };

    @Test
    void noTwoPackagesOfTheLauncherDependOnEachOther() {
        slices().assignedFrom(TOP_LEVEL_PACKAGES).should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void theBackendContractKnowsNoOtherBackend() {
        noClasses()
                .that()
                .resideInAPackage(LAUNCHER + ".backend..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(LAUNCHER + ".docker..", LAUNCHER + ".kube..", LAUNCHER + ".start..")
                .check(MAIN);
    }

    @Test
    void theSharedLifecycleToolsDependOnNothingOfTheLauncher() {
        noClasses()
                .that()
                .resideInAPackage(LAUNCHER + ".lifecycle..")
                .should()
                .dependOnClassesThat()
                .resideOutsideOfPackages(LAUNCHER + ".lifecycle..", "java..")
                .check(MAIN);
    }
}
