package org.mailfetch.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The package rules of the code map in README.md, checked on the compiled classes: feature packages
 * lean on each other without circles, the mail core knows no feature, and the admin surfaces (CLI,
 * REST and web page, JMX and metrics) sit on top — nothing below imports them.
 */
@AnalyzeClasses(packages = "org.mailfetch", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    /** Every package under org.mailfetch (with its subpackages) is one slice: no circle between any two. */
    @ArchTest
    static final ArchRule noCyclesBetweenPackages = slices().matching("org.mailfetch.(*)..")
            .should().beFreeOfCycles();

    /** The shared vocabulary (message, account, addresses, trace headers, log context) depends on no feature. */
    @ArchTest
    static final ArchRule mailCoreImportsNoFeature = classes().that().resideInAPackage("org.mailfetch.mail..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("org.mailfetch.mail..", "java..", "jakarta.mail..",
                    "org.slf4j..");

    /** The lowest packages: the database and files, sockets, settings. They know no mail feature. */
    @ArchTest
    static final ArchRule foundationsImportNoFeature = noClasses().that()
            .resideInAnyPackage("org.mailfetch.store..", "org.mailfetch.net..", "org.mailfetch.config..")
            .should().dependOnClassesThat().resideInAnyPackage("org.mailfetch.account..", "org.mailfetch.fetch..",
                    "org.mailfetch.filter..", "org.mailfetch.recipient..", "org.mailfetch.delivery..",
                    "org.mailfetch.quarantine..", "org.mailfetch.oauth2..", "org.mailfetch.service..",
                    "org.mailfetch.engine..", "org.mailfetch.cli..", "org.mailfetch.api..", "org.mailfetch.observe..");

    /** Pipeline steps and stores never reach up into a surface, the service layer or the engine that wires them. */
    @ArchTest
    static final ArchRule featuresImportNoSurface = noClasses().that()
            .resideInAnyPackage("org.mailfetch.mail..", "org.mailfetch.account..", "org.mailfetch.fetch..",
                    "org.mailfetch.filter..", "org.mailfetch.recipient..", "org.mailfetch.delivery..",
                    "org.mailfetch.quarantine..", "org.mailfetch.oauth2..", "org.mailfetch.store..")
            .should().dependOnClassesThat().resideInAnyPackage("org.mailfetch.service..", "org.mailfetch.engine..",
                    "org.mailfetch.cli..", "org.mailfetch.api..", "org.mailfetch.observe..")
            .orShould().dependOnClassesThat().resideInAPackage("org.mailfetch");

    /** The service layer is what the surfaces share; it knows none of them. */
    @ArchTest
    static final ArchRule serviceImportsNoSurface = noClasses().that().resideInAPackage("org.mailfetch.service..")
            .should().dependOnClassesThat().resideInAnyPackage("org.mailfetch.engine..", "org.mailfetch.cli..",
                    "org.mailfetch.api..", "org.mailfetch.observe..");

    /** REST, the web page and the observers are started by the engine, never by the command line's classes. */
    @ArchTest
    static final ArchRule webAndObserversImportNoCli = noClasses().that()
            .resideInAnyPackage("org.mailfetch.api..", "org.mailfetch.observe..", "org.mailfetch.engine..")
            .should().dependOnClassesThat().resideInAPackage("org.mailfetch.cli..");

    /** The root package holds the main class alone, which only hands the command line to picocli. */
    @ArchTest
    static final ArchRule nothingImportsTheMainClass = noClasses().that().resideOutsideOfPackage("org.mailfetch")
            .should().dependOnClassesThat().resideInAPackage("org.mailfetch");

    /** Only the command line starts the engine (run, demo, fetch now). */
    @ArchTest
    static final ArchRule onlyTheCliStartsTheEngine = noClasses().that()
            .resideOutsideOfPackages("org.mailfetch.cli..", "org.mailfetch.engine..")
            .should().dependOnClassesThat().resideInAPackage("org.mailfetch.engine..");
}
