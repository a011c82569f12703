package dev.meshbox.controlplane;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.meshbox.controlplane.registry.PlatformRegistry;

/**
 * The control plane's layering, as its package-info files draw it: config and the registry at the bottom, translation
 * and serving beside each other above them, {@link ControlPlane} on top wiring the two; the Kubernetes platform and
 * the registry adapters on the side, used by the launcher.
 */
@AnalyzeClasses(packages = "dev.meshbox.controlplane", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    private static final String ROOT = "dev.meshbox.controlplane";

    @ArchTest
    static final ArchRule noPackageCycles =
            slices().matching(ROOT + ".(**)").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule layers = layeredArchitecture()
            .consideringOnlyDependenciesInLayers()
            .layer("ControlPlane")
            .definedBy(ROOT)
            .layer("Translation")
            .definedBy(ROOT + ".translate..")
            .layer("Serving")
            .definedBy(ROOT + ".xds..")
            .layer("Kubernetes")
            .definedBy(ROOT + ".kubernetes..")
            .layer("GatewayApi")
            .definedBy(ROOT + ".gatewayapi..")
            .layer("Config")
            .definedBy(ROOT + ".config..")
            .layer("Registry")
            .definedBy(ROOT + ".registry")
            .layer("PlatformRegistries")
            .definedBy(ROOT + ".registry.docker..", ROOT + ".registry.kubernetes..")
            .whereLayer("ControlPlane")
            .mayNotBeAccessedByAnyLayer()
            .whereLayer("Translation")
            .mayOnlyBeAccessedByLayers("ControlPlane")
            .whereLayer("Serving")
            .mayOnlyBeAccessedByLayers("ControlPlane")
            .whereLayer("Kubernetes")
            .mayNotBeAccessedByAnyLayer()
            .whereLayer("PlatformRegistries")
            .mayNotBeAccessedByAnyLayer()
            .whereLayer("GatewayApi")
            .mayOnlyBeAccessedByLayers("ControlPlane", "Translation")
            .whereLayer("Config")
            .mayOnlyBeAccessedByLayers("ControlPlane", "Translation", "Kubernetes", "GatewayApi")
            .whereLayer("Registry")
            .mayOnlyBeAccessedByLayers("ControlPlane", "Translation", "PlatformRegistries", "GatewayApi");

    @ArchTest
    static final ArchRule translationKnowsNothingOfServing = noClasses()
            .that()
            .resideInAPackage(ROOT + ".translate..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage(ROOT + ".xds..");

    @ArchTest
    static final ArchRule servingKnowsNothingOfTranslationNorTheRestOfTheControlPlane = classes()
            .that()
            .resideInAPackage(ROOT + ".xds..")
            .should()
            .onlyDependOnClassesThat(resideOutsideOfPackage(ROOT + "..").or(resideInAPackage(ROOT + ".xds..")));

    @ArchTest
    static final ArchRule registryAdaptersArePlatformRegistries = classes()
            .that()
            .resideInAnyPackage(ROOT + ".registry.docker..", ROOT + ".registry.kubernetes..")
            .and()
            .haveSimpleNameEndingWith("Registry")
            .should()
            .implement(PlatformRegistry.class);
}
