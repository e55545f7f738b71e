"""Takes the README's picture of the chat page (docs/chat-page.png): chatrelay and the fake Gemini
on 127.0.0.1, headless Chromium, one conversation whose answer opens its artifact and preview.

    /usr/bin/python3 tests/integration/page_screenshot.py [OUTPUT.png] [--dark]

Uses the binaries in ./build (or $CHATRELAY_BIN and $FAKE_GEMINI_BIN), like the tests."""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
os.environ.setdefault("CHATRELAY_BIN", os.path.join(ROOT, "build", "src", "chatrelay"))
os.environ.setdefault("FAKE_GEMINI_BIN", os.path.join(ROOT, "build", "src", "fake", "chatrelay-fake-gemini"))
sys.path.insert(0, HERE)

from browser import Browser, require_browser  # noqa: E402
from fake import FakeGemini  # noqa: E402
from harness import Chatrelay  # noqa: E402

PROMPT = "Make me a colour palette generator in one HTML file"
WIDTH, HEIGHT = 1280, 720  # the page's viewport


def wait(driver, script, timeout=15):
    deadline = time.monotonic() + timeout
    while not driver.execute_script("return " + script):
        if time.monotonic() > deadline:
            raise RuntimeError("timed out waiting for " + script)
        time.sleep(0.05)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = os.path.abspath(args[0] if args else os.path.join(ROOT, "docs", "chat-page.png"))
    scheme = "dark" if "--dark" in sys.argv else "light"
    require_browser()
    with FakeGemini(scenario="html") as fake, Chatrelay(fake=fake) as relay, Browser() as browser:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys
        driver = browser.driver
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia",
                               {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
        browser.get("http://127.0.0.1:%d/" % relay.port)
        driver.find_element(By.ID, "prompt").send_keys(PROMPT, Keys.ENTER)
        wait(driver, "document.querySelector('.msg.assistant[aria-busy=\"false\"]')")
        driver.switch_to.frame(driver.find_element(By.ID, "artifact-preview"))
        wait(driver, "document.body && document.body.dataset.ran === 'yes'")
        driver.switch_to.default_content()
        driver.execute_script("document.activeElement.blur()")  # no focus ring in the picture
        time.sleep(0.3)  # the swatches' last paint
        os.makedirs(os.path.dirname(out), exist_ok=True)
        browser.screenshot(out)
    print("%s: %d bytes" % (out, os.path.getsize(out)))


if __name__ == "__main__":
    main()
