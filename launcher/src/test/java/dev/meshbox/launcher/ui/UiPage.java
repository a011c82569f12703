package dev.meshbox.launcher.ui;

import java.time.Duration;
import java.util.function.Function;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The MeshBox page in headless Chromium, for browser tests: open it, switch tabs, and wait, with a bounded poll, for
 * what it shows. One place for what every browser test of the UI does.
 */
final class UiPage implements AutoCloseable {

    private final ChromeDriver browser;

    private UiPage(ChromeDriver browser) {
        this.browser = browser;
    }

    /** Chromium ({@link Chromium#find()}) on {@code url}. */
    static UiPage open(String url) {
        ChromeDriver driver = Chromium.start(Chromium.find());
        driver.get(url);
        return new UiPage(driver);
    }

    ChromeDriver browser() {
        return browser;
    }

    /** Polls every 200 ms until the condition holds (a redraw replacing an element is retried), at most {@code seconds}. */
    <T> T until(String what, Function<WebDriver, T> condition, int seconds) {
        return new WebDriverWait(browser, Duration.ofSeconds(seconds), Duration.ofMillis(200))
                .withMessage("waiting for " + what)
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .ignoring(org.openqa.selenium.NoSuchElementException.class)
                .until(condition::apply);
    }

    void tab(String name) {
        browser.findElement(By.cssSelector("#tabs a[data-tab=" + name + "]")).click();
        until("the " + name + " tab", d -> d.findElement(By.id("tab-" + name)).isDisplayed(), 5);
    }

    WebElement find(String css) {
        return browser.findElement(By.cssSelector(css));
    }

    /** Clicks what {@code css} finds once it is there, retrying while a redraw replaces it. */
    void click(String css, int seconds) {
        until(
                "to click " + css,
                d -> {
                    d.findElement(By.cssSelector(css)).click();
                    return true;
                },
                seconds);
    }

    @Override
    public void close() {
        browser.quit();
    }
}
