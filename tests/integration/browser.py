"""Headless Chromium through chromedriver, for what only a real browser checks (DESIGN.md §5).

    require_browser()                      # skips (or fails under CHATRELAY_REQUIRE_BROWSER=1)
    with PageServer({"/": page_html}) as pages, Browser() as browser:
        browser.get(pages.url("/"))
        result = browser.run("return await fetch(args[0]).then(r => r.status);", relay_url)
        browser.console_errors(), browser.requested_urls(), browser.screenshot("chat.png")

Debian's `chromium`, `chromium-driver` and `python3-selenium` (scripts/install-deps); selenium is
Debian's, so this runs under /usr/bin/python3, not whatever python3 comes first on PATH.
"""
import http.server
import json
import os
import shutil
import sys
import tempfile
import threading
import unittest

CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver")
# Set by .ci/run: there the browser is installed, so a missing one is a failure, not a skip.
REQUIRED = os.environ.get("CHATRELAY_REQUIRE_BROWSER") == "1"

# Headless as root with no network and nothing to phone home to; QUIC off so every request is the
# HTTP/1.1 chatrelay speaks; /dev/shm is small in containers.
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,800"]


def missing():
    """What is missing to drive a browser here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "the selenium module for %s (Debian's python3-selenium, used by /usr/bin/python3)" % sys.executable
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(path, os.X_OK):
            return "%s (Debian's %s)" % (path, package)
    return None


def require_browser():
    """Raises unittest.SkipTest when no browser can run, or RuntimeError when one is required."""
    why = missing()
    if why is None:
        return
    message = "browser tests need " + why + "; scripts/install-deps installs them"
    if REQUIRED:
        raise RuntimeError(message + " (CHATRELAY_REQUIRE_BROWSER=1: not skipping)")
    raise unittest.SkipTest(message)


class ScriptRejected(Exception):
    """The page's promise rejected: `name` and `message` are the JS error's (e.g. TypeError)."""

    def __init__(self, name, message):
        super().__init__("%s: %s" % (name, message))
        self.name = name
        self.message = message


class Browser:
    """One headless Chromium with its own profile; console and network logs kept for assertions."""

    def __init__(self, script_timeout=30):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.remote.remote_connection import RemoteConnection
        # Every WebDriver call gets an answer or an error in bounded time, even from a hung
        # renderer (selenium waits forever by default; this is process-wide, for every driver).
        RemoteConnection.set_timeout(script_timeout + 60)
        self.tmp = tempfile.mkdtemp(prefix="chatrelay-browser-")
        self.driver = None
        self.console = []   # every browser log entry so far: {"level", "message", "source", ...}
        self.network = []   # every DevTools Network.* event so far: {"method", "params"}
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in FLAGS + ["--user-data-dir=" + os.path.join(self.tmp, "profile")]:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        self.driver_log = os.path.join(self.tmp, "chromedriver.log")
        try:
            self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER, log_path=self.driver_log),
                                           options=options)
            self.driver.set_script_timeout(script_timeout)
        except Exception:
            self.quit()
            raise
        self.script_timeout = script_timeout

    def get(self, url):
        """Loads `url` and waits for its load event."""
        self.driver.get(url)

    def run(self, body, *args, timeout=None):
        """Runs `body` as the body of an async function of `args` in the page; returns what it
        returns (JSON-like values). Raises ScriptRejected when it throws."""
        script = ("const done = arguments[arguments.length - 1];"
                  "(async (args) => {\n%s\n})(Array.from(arguments).slice(0, -1)).then("
                  "  value => done({value: value === undefined ? null : value}),"
                  "  e => done({rejected: {name: (e && e.name) || 'Error', message: String(e && e.message || e)}}));"
                  % body)
        if timeout is not None and timeout != self.script_timeout:
            self.driver.set_script_timeout(timeout)
        try:
            result = self.driver.execute_async_script(script, *args)
        finally:
            if timeout is not None and timeout != self.script_timeout:
                self.driver.set_script_timeout(self.script_timeout)
        if "rejected" in result:
            raise ScriptRejected(result["rejected"]["name"], result["rejected"]["message"])
        return result["value"]

    def collect(self):
        """Moves the browser's new log entries into .console and .network."""
        self.console += self.driver.get_log("browser")
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"].startswith("Network."):
                self.network.append(message)

    def clear_logs(self):
        """Forgets everything logged so far (the next assertions see only what follows)."""
        self.collect()
        self.console.clear()
        self.network.clear()

    def console_errors(self):
        self.collect()
        return [e for e in self.console if e["level"] == "SEVERE"]

    def requests(self):
        """Every request the page made since the logs were cleared, in order, CORS preflights
        included: {"url", "method", "id"}."""
        self.collect()
        return [{"url": m["params"]["request"]["url"], "method": m["params"]["request"]["method"],
                 "id": m["params"]["requestId"]}
                for m in self.network if m["method"] == "Network.requestWillBeSent"]

    def requested_urls(self):
        return [r["url"] for r in self.requests()]

    def cors_failures(self):
        """The requests CORS failed since the logs were cleared, as Chromium names the reason:
        [(url, corsError, failedParameter)], e.g. ("http://…", "PreflightMultipleAllowOriginValues",
        "http://a, http://a")."""
        urls = {r["id"]: r["url"] for r in self.requests()}
        return [(urls.get(m["params"]["requestId"]), m["params"]["corsErrorStatus"]["corsError"],
                 m["params"]["corsErrorStatus"].get("failedParameter", ""))
                for m in self.network
                if m["method"] == "Network.loadingFailed" and "corsErrorStatus" in m["params"]]

    def screenshot(self, path):
        """Saves a PNG of the viewport to `path`."""
        if not self.driver.save_screenshot(path):
            raise RuntimeError("chromium could not take a screenshot to " + path)

    def quit(self):
        if self.driver is not None:
            try:
                self.driver.quit()
            finally:
                self.driver = None
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.quit()


class PageServer:
    """A threaded static HTTP server on 127.0.0.1 and a free port: the origin a test page comes from.
    `pages` maps a path to its HTML; anything else is 404."""

    def __init__(self, pages):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                page = pages.get(self.path.split("?")[0])
                body = (page or "not found").encode()
                self.send_response(200 if page is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8" if page else "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.origin = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="/"):
        return self.origin + path

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
