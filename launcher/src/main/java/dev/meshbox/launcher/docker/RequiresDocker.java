package dev.meshbox.launcher.docker;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class or method that needs a Docker engine. Without one it is skipped, with the reason, on a
 * developer's machine, and fails under {@code CI=true}: CI provisions an engine, so a missing one is a broken CI
 * machine, never a reason to go green.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(DockerCondition.class)
public @interface RequiresDocker {}
