package dev.meshbox.launcher.ui;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The system's headless Chromium for browser tests (Debian's chromium and chromium-driver). Without it a test is
 * skipped with the reason, except under {@code CI=true}, where it fails: CI must not pass by skipping the browser.
 * {@code -Dmeshbox.chromium=PATH} and {@code -Dmeshbox.chromedriver=PATH} point elsewhere.
 */
final class Chromium implements ExecutionCondition {

    record Found(Path browser, Path driver, String missing) {
        boolean available() {
            return missing.isEmpty();
        }
    }

    static Found find() {
        Path browser = Path.of(System.getProperty("meshbox.chromium", "/usr/bin/chromium"));
        Path driver = Path.of(System.getProperty("meshbox.chromedriver", "/usr/bin/chromedriver"));
        StringBuilder missing = new StringBuilder();
        if (!Files.isExecutable(browser)) {
            missing.append("no Chromium at ").append(browser);
        }
        if (!Files.isExecutable(driver)) {
            missing.append(missing.length() > 0 ? " and " : "")
                    .append("no chromedriver at ")
                    .append(driver);
        }
        if (missing.length() > 0) {
            missing.append(
                    " (apt-get install chromium chromium-driver, or -Dmeshbox.chromium=PATH -Dmeshbox.chromedriver=PATH)");
        }
        return new Found(browser, driver, missing.toString());
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return decide(find(), "true".equalsIgnoreCase(System.getenv("CI")));
    }

    /** Skip without a browser, except in CI, where throwing makes JUnit report the test as failed. */
    static ConditionEvaluationResult decide(Found found, boolean ci) {
        if (found.available()) {
            return ConditionEvaluationResult.enabled("Chromium at " + found.browser());
        }
        if (ci) {
            throw new IllegalStateException("CI=true but the browser test cannot run: " + found.missing());
        }
        return ConditionEvaluationResult.disabled(found.missing());
    }

    /** A headless Chromium session on a free port. */
    static ChromeDriver start(Found found) {
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(found.driver().toFile())
                .usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(found.browser().toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--window-size=1500,860");
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
        return driver;
    }
}
