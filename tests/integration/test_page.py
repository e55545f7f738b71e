"""The chat page at / in headless Chromium (DESIGN.md §1 "The page at /", §5), against
chatrelay-fake-gemini: typing and Enter, tokens on screen while the answer streams, the artifact
panel with its code and a sandboxed preview in which the artifact's own script runs, history sent
upstream and restored on reload, Stop closing the upstream call, errors in place (a quota countdown,
a busy session, a rate limit), thoughts folded away, the token form, a phone-width layout, no
console errors and nothing loaded from another origin."""
import contextlib
import json
import os
import re
import socket
import tempfile
import time
import unittest

from browser import Browser, require_browser
from harness import FakeAndRelay, wait_until

FAKE_TEXT = "Hello from the fake Gemini."  # the fake's "normal" scenario
TOKEN = "page-test-token-0123456789abcdef"

browser = None
_module = contextlib.ExitStack()


def setUpModule():
    global browser, _module
    require_browser()
    with contextlib.ExitStack() as started:
        browser = started.enter_context(Browser())
        _module = started.pop_all()


def tearDownModule():
    _module.close()


class PageCase(FakeAndRelay, unittest.TestCase):
    """One fake Gemini and one chatrelay per class; each test starts on the page with empty storage
    (a new conversation) and empty logs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.base = "http://127.0.0.1:%d" % cls.relay.port

    def setUp(self):
        self.fake.clear_scenarios()
        browser.driver.set_window_size(1280, 800)
        browser.get(self.base + "/")
        browser.driver.execute_script("localStorage.clear(); sessionStorage.clear();")
        self.load()

    def load(self):
        browser.clear_logs()  # what follows is this load's: the page, its files, its requests
        browser.get(self.base + "/")

    # -- the page as a user sees it

    def js(self, script, *args):
        return browser.driver.execute_script(script, *args)

    def wait(self, script, timeout=10, what=None):
        """Waits until `script` (a JS expression) is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.js("return " + script)
            if value:
                return value
            if time.monotonic() > deadline:
                self.fail("timed out waiting for %s\nconsole: %s" % (what or script, self.console()))
            time.sleep(0.05)

    def find(self, css):
        from selenium.webdriver.common.by import By
        return browser.driver.find_element(By.CSS_SELECTOR, css)

    def type(self, *keys):
        self.find("#prompt").send_keys(*keys)

    def send(self, text):
        from selenium.webdriver.common.keys import Keys
        self.type(text, Keys.ENTER)

    def answers(self):
        return self.js("return [...document.querySelectorAll('.msg.assistant')].map(a => a.querySelector(':scope > .md').textContent.trim())")

    def questions(self):
        return self.js("return [...document.querySelectorAll('.msg.user .bubble')].map(b => b.textContent)")

    def wait_answered(self, count=1, timeout=15):
        self.wait("document.querySelectorAll('.msg.assistant[aria-busy=\"false\"]').length >= %d" % count,
                  timeout, "answer %d to end" % count)

    def session_id(self):
        return self.js("return localStorage.getItem('chatrelay.session_id')")

    def console(self):
        return [e["message"] for e in browser.console_errors()]

    def assert_clean(self):
        """No console error, and nothing asked of another origin (the page, its files, its API calls
        and the preview all come from chatrelay)."""
        self.assertEqual(self.console(), [])
        urls = [u for u in browser.requested_urls() if not u.startswith(("data:", "blob:", "about:"))]
        self.assertTrue(urls)
        others = [u for u in urls if not u.startswith(self.base + "/")]
        self.assertEqual(others, [], "requests to other origins")

    def metric(self, name, labels):
        _, _, body = self.relay.request("GET", "/metrics")
        m = re.search(r"^%s%s (\d+)$" % (re.escape(name), re.escape(labels)), body.decode(), re.M)
        return int(m.group(1)) if m else 0


class PageStreamingTest(PageCase):
    # Events 150 ms apart: the answer takes a couple of seconds, and the page must show it growing.
    FAKE_ARGS = ("--delay-ms", "150")

    def test_enter_sends_tokens_show_while_streaming_and_the_artifact_runs_in_its_sandbox(self):
        self.fake.set_scenarios(["html"])
        self.send("Build a palette page")
        self.assertEqual(self.questions(), ["Build a palette page"])
        self.assertEqual(self.js("return document.getElementById('prompt').value"), "")
        # Tokens on screen while the answer is still streaming (Stop shown, aria-busy).
        partial = self.wait("(() => { const a = document.querySelector('.msg.assistant');"
                            " return a && a.getAttribute('aria-busy') === 'true' && !document.getElementById('stop').hidden"
                            " && a.querySelector('.md').textContent.length > 0 && a.querySelector('.md').textContent; })()",
                            what="text while streaming")
        self.wait_answered()
        final = self.answers()[0]
        self.assertGreater(len(final), len(partial))
        self.assertTrue(final.startswith(partial[:40]), (partial, final))
        self.assertIn("To open it from a local web server", final)
        self.assertTrue(self.js("return document.getElementById('stop').hidden"))
        # The long block is a card in the conversation; the short one stays in the text.
        self.assertEqual(self.find(".msg.assistant .artifact-card .card-title").text, "Palette")
        self.assertIn("python3 -m http.server 8080", final)
        # The panel: a picker for both blocks, the html one (the larger) shown, its code as text.
        self.assertFalse(self.js("return document.getElementById('artifact').hidden"))
        options = self.js("return [...document.querySelectorAll('#artifact-pick option')].map(o => o.textContent)")
        self.assertEqual(len(options), 2, options)
        self.assertTrue(options[0].startswith("1. html"), options)
        self.assertTrue(options[1].startswith("2. bash"), options)
        self.assertEqual(self.js("return document.getElementById('artifact-pick').value"), "0")
        code = self.js("return document.querySelector('#artifact-code code').textContent")
        self.assertTrue(code.startswith("<!DOCTYPE html>"), code[:80])
        self.assertIn('document.body.dataset.ran = "yes";', code)
        # The preview: sandboxed without same-origin, and the artifact's own script ran in it.
        frame = self.find("#artifact-preview")
        sandbox = frame.get_attribute("sandbox").split()
        self.assertIn("allow-scripts", sandbox)
        self.assertNotIn("allow-same-origin", sandbox)
        self.assertTrue(frame.get_attribute("src").startswith(self.base + "/ui/preview"))
        browser.driver.switch_to.frame(frame)
        try:
            self.wait("document.body && document.body.dataset.ran === 'yes'", what="the artifact's script")
            self.assertEqual(self.js("return document.querySelectorAll('#swatches .swatch').length"), 5)
            self.assertEqual(self.js("return document.getElementById('status').textContent"),
                             "Drawn by the page's own script.")
            self.assertEqual(self.js("return document.title"), "Palette")
            # An opaque origin: none of the page's storage or cookies.
            self.assertEqual(self.js("return window.origin"), "null")
            self.assertEqual(self.js("try { localStorage.length; return 'readable'; } catch (e) { return e.name; }"),
                             "SecurityError")
        finally:
            browser.driver.switch_to.default_content()
        # The other block: code only, no preview.
        from selenium.webdriver.support.ui import Select
        Select(self.find("#artifact-pick")).select_by_value("1")
        self.assertTrue(self.js("return document.getElementById('tab-preview').hidden"))
        self.assertFalse(self.js("return document.getElementById('artifact-code-wrap').hidden"))
        self.assertEqual(self.js("return document.querySelector('#artifact-code code').textContent"),
                         "python3 -m http.server 8080\n")
        self.assert_clean()

    def test_stop_closes_the_upstream_call_and_keeps_nothing(self):
        self.fake.set_scenarios(["endless"])
        gone = self.metric("chatrelay_chat_streams_total", '{outcome="client_gone"}')
        self.send("Count forever")
        self.wait("document.querySelector('.msg.assistant .md') &&"
                  " document.querySelector('.msg.assistant .md').textContent.includes('more1')", what="tokens")
        self.assertEqual(self.fake.stats()["open_streams"], 1)
        self.find("#stop").click()
        self.assertTrue(wait_until(lambda: self.fake.stats()["open_streams"] == 0, 3), "the upstream call is still open")
        self.assertTrue(wait_until(
            lambda: self.metric("chatrelay_chat_streams_total", '{outcome="client_gone"}') == gone + 1, 3))
        self.wait("document.querySelector('.msg.assistant .note')", what="the stopped note")
        self.assertIn("Stopped", self.find(".msg.assistant .note").text)
        self.assertTrue(self.js("return document.getElementById('stop').hidden"))
        self.assertFalse(self.js("return document.getElementById('send').hidden"))
        self.assertIn(" more1", self.answers()[0])  # what came stays on screen
        # Nothing of a stopped turn is kept (DESIGN.md §1).
        status, _, _ = self.relay.request("GET", "/api/sessions/" + self.session_id())
        self.assertEqual(status, 404)
        self.assert_clean()


class PageChatTest(PageCase):
    def test_shift_enter_is_a_newline_and_enter_sends(self):
        from selenium.webdriver.common.keys import Keys
        self.type("first line", Keys.SHIFT, Keys.ENTER, Keys.SHIFT, "second line")
        self.assertEqual(self.js("return document.getElementById('prompt').value"), "first line\nsecond line")
        self.assertEqual(self.questions(), [])
        self.type(Keys.ENTER)
        self.wait_answered()
        self.assertEqual(self.questions(), ["first line\nsecond line"])
        self.assertEqual(self.answers(), [FAKE_TEXT])
        self.assert_clean()

    def test_second_turn_sends_the_history_and_a_reload_restores_both(self):
        self.fake.clear_requests()
        self.fake.set_scenarios(["normal", "html"])
        self.send("First question")
        self.wait_answered(1)
        self.send("Now a palette page")
        self.wait_answered(2)
        sent = self.fake.requests()[-1]["body"]["contents"]
        self.assertEqual([(c["role"], c["parts"][0]["text"]) for c in sent],
                         [("user", "First question"), ("model", FAKE_TEXT), ("user", "Now a palette page")])
        before = self.answers()
        session = self.session_id()
        self.assertRegex(session, r"^[0-9a-f]{32}$")
        self.load()
        self.wait("document.querySelectorAll('.msg.assistant').length === 2", what="the restored answers")
        self.assertEqual(self.questions(), ["First question", "Now a palette page"])
        self.assertEqual(self.answers(), before)
        self.assertEqual(self.session_id(), session)
        # The last answer's artifacts are found again in its text, and its preview runs.
        self.assertFalse(self.js("return document.getElementById('artifact').hidden"))
        self.assertEqual(self.js("return document.querySelectorAll('#artifact-pick option').length"), 2)
        self.assertEqual(self.find(".msg.assistant:last-of-type .artifact-card .card-title").text, "Palette")
        browser.driver.switch_to.frame(self.find("#artifact-preview"))
        try:
            self.wait("document.body && document.body.dataset.ran === 'yes'", what="the restored artifact's script")
        finally:
            browser.driver.switch_to.default_content()
        self.assert_clean()

    def test_new_chat_starts_afresh_and_forgets_the_old_one(self):
        self.send("Remember me")
        self.wait_answered()
        old = self.session_id()
        self.assertEqual(self.relay.request("GET", "/api/sessions/" + old)[0], 200)
        self.find("#new-chat").click()
        self.assertEqual(self.questions(), [])
        self.assertFalse(self.js("return document.getElementById('empty').hidden"))
        self.assertNotEqual(self.session_id(), old)
        self.assertTrue(wait_until(lambda: self.relay.request("GET", "/api/sessions/" + old)[0] == 404, 3))
        self.send("Hello again")
        self.wait_answered()
        self.assertEqual(self.relay.request("GET", "/api/sessions/" + self.session_id())[0], 200)
        self.assert_clean()

    def test_quota_error_is_shown_with_a_countdown(self):
        self.fake.set_scenarios(["429"])
        self.send("Anything")
        self.wait("document.querySelector('.msg.assistant .error')", what="the error")
        error = self.find(".msg.assistant .error")
        self.assertEqual(error.get_attribute("role"), "alert")
        self.assertIn("quota", error.text.lower())
        left = int(self.wait("document.querySelector('.countdown').dataset.left"))
        self.assertTrue(50 <= left <= 58, left)  # the recording's RetryInfo: 58 s
        self.assertIn("You can send again in %d s." % left, error.text)
        self.wait("Number(document.querySelector('.countdown').dataset.left) < %d" % left, 3, "the countdown")
        # A failed turn is not kept; sending again works.
        self.find(".msg.assistant .error button").click()
        self.wait_answered()
        self.assertEqual(self.answers(), [FAKE_TEXT])
        self.assertEqual(self.questions(), ["Anything"])
        self.assert_clean()

    def test_busy_session_is_a_409_in_place(self):
        self.fake.set_scenarios(["stall"])
        # Another client streams in this conversation (the same id), and has not finished.
        sid = self.session_id()
        s = socket.create_connection(("127.0.0.1", self.relay.port))
        try:
            body = json.dumps({"session_id": sid, "messages": [{"role": "user", "content": "elsewhere"}]}).encode()
            s.sendall(b"POST /api/chat/stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            self.assertTrue(wait_until(lambda: self.fake.stats()["open_streams"] == 1, 3))
            self.send("Here too")
            self.wait("document.querySelector('.msg.assistant .error')", what="the 409")
            self.assertIn("still answering an earlier message", self.find(".msg.assistant .error").text)
        finally:
            s.close()
        self.assertEqual(self.console(), [self.base + "/api/chat/stream - Failed to load resource: the server "
                                          "responded with a status of 409 (Conflict)"])

    def test_copy_and_download(self):
        self.fake.set_scenarios(["html"])
        self.send("Palette please")
        self.wait_answered()
        self.find("#artifact-copy").click()
        self.wait("['Copied', 'Press Ctrl+C'].includes(document.getElementById('artifact-copy').textContent)",
                  what="the copy feedback")
        with tempfile.TemporaryDirectory() as tmp:
            browser.driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": tmp})
            self.find("#artifact-download").click()
            path = os.path.join(tmp, "artifact.html")
            self.assertTrue(wait_until(lambda: os.path.exists(path), 5), os.listdir(tmp))
            with open(path) as f:
                downloaded = f.read()
        self.assertEqual(downloaded, self.js("return document.querySelector('#artifact-code code').textContent"))
        self.assertTrue(downloaded.startswith("<!DOCTYPE html>"))
        self.assert_clean()

    def test_phone_width_stacks_the_artifact_under_the_chat(self):
        browser.driver.set_window_size(390, 844)
        self.fake.set_scenarios(["html"])
        self.send("Palette please")
        self.wait_answered()
        chat = self.js("return document.querySelector('.chat').getBoundingClientRect().toJSON()")
        panel = self.js("return document.getElementById('artifact').getBoundingClientRect().toJSON()")
        self.assertGreaterEqual(panel["top"], chat["bottom"] - 1)
        self.assertLessEqual(panel["width"], 400)
        self.assertAlmostEqual(panel["left"], chat["left"], delta=1)
        # Nothing wider than the screen (no sideways scrolling of the page).
        self.assertLessEqual(self.js("return document.documentElement.scrollWidth"), 400)
        self.assert_clean()

    def test_a_block_the_answer_never_closed_is_marked_truncated(self):
        self.fake.set_scenarios(["max-tokens"])
        self.send("A long page")
        self.wait_answered()
        self.assertFalse(self.js("return document.getElementById('artifact-truncated').hidden"))
        self.assertIn("ended early: MAX_TOKENS", self.find(".msg.assistant .meta").text)
        self.assertTrue(self.js("return document.querySelector('#artifact-code code').textContent")
                        .startswith("<!DOCTYPE html>"))
        self.assert_clean()

    def test_light_and_dark(self):
        def background(scheme):
            browser.driver.execute_cdp_cmd("Emulation.setEmulatedMedia",
                                           {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
            return self.js("return getComputedStyle(document.body).backgroundColor")
        try:
            self.assertEqual(background("light"), "rgb(250, 249, 245)")
            self.assertEqual(background("dark"), "rgb(38, 38, 36)")
        finally:
            browser.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})

    def test_labels_for_every_control(self):
        unlabelled = self.js("""
            return [...document.querySelectorAll('button, textarea, select, input, iframe')].filter(el => {
              if (el.closest('[hidden]') && el.tagName !== 'IFRAME') return false;
              const label = el.labels && el.labels.length ? el.labels[0].textContent : '';
              return !(label.trim() || el.getAttribute('aria-label') || el.getAttribute('title') || el.textContent.trim());
            }).map(el => el.outerHTML.slice(0, 80));""")
        self.assertEqual(unlabelled, [])
        self.assertEqual(self.js("return document.getElementById('messages').getAttribute('aria-live')"), "polite")


class PageThoughtsTest(PageCase):
    RELAY_ENV = {"CHATRELAY_GEMINI_INCLUDE_THOUGHTS": "true"}

    def test_thinking_is_folded_away(self):
        self.fake.set_scenarios(["thoughts"])
        self.send("Think first")
        self.wait_answered()
        details = self.find(".msg.assistant details.thinking")
        self.assertIsNone(details.get_attribute("open"))
        self.assertEqual(self.js("return document.querySelector('details.thinking summary').textContent"), "Thoughts")
        thoughts = self.js("return document.querySelector('details.thinking .md').textContent")
        self.assertTrue(thoughts.strip())
        self.assertNotIn(thoughts.strip()[:40], self.answers()[0])
        self.assert_clean()


class PageRateLimitTest(PageCase):
    # One request every 50 s after a burst of 10.
    RELAY_ENV = {"CHATRELAY_SERVER_IP_RATE_PER_S": "0.02", "CHATRELAY_SERVER_IP_BURST": "10"}

    def setUp(self):
        self.fake.clear_scenarios()
        self.load()

    def test_a_429_from_chatrelay_shows_its_detail_and_counts_down(self):
        # The rest of this address's burst goes (the browser and the test are both 127.0.0.1).
        while self.relay.request("GET", "/openapi.json")[0] != 429:
            pass
        self.send("Too soon")
        self.wait("document.querySelector('.msg.assistant .error .countdown')", what="the 429")
        text = self.find(".msg.assistant .error").text
        self.assertIn("chatrelay answered 429: Too many requests from this address; slow down.\n", text)
        left = int(self.js("return document.querySelector('.countdown').dataset.left"))
        self.assertTrue(1 <= left <= 50, left)


class PageAuthTest(PageCase):
    RELAY_ENV = {"CHATRELAY_SERVER_AUTH_TOKENS": json.dumps([TOKEN])}

    def enter_token(self, value):
        self.wait("document.getElementById('token-dialog').open", what="the token form")
        self.find("#token-input").send_keys(value)
        self.find("#token-form button[type=submit]").click()

    def test_the_page_loads_without_a_token_then_asks_for_one(self):
        # The page and its files came without a token.
        self.assertEqual(self.js("return document.title"), "chatrelay")
        self.send("Secret question")
        self.enter_token("not-the-token-0123456789")
        self.wait("document.getElementById('token-why').textContent.includes('not accepted')", what="asked again")
        self.find("#token-input").clear()
        self.enter_token(TOKEN)
        self.wait_answered()
        self.assertFalse(self.js("return document.getElementById('token-dialog').open"))
        self.assertEqual(self.answers(), [FAKE_TEXT])
        # Kept for this tab only (sessionStorage): a reload restores the conversation without asking.
        self.assertEqual(self.js("return sessionStorage.getItem('chatrelay.token')"), TOKEN)
        self.assertIsNone(self.js("return localStorage.getItem('chatrelay.token')"))
        self.load()
        self.wait("document.querySelectorAll('.msg.assistant').length === 1", what="the restored answer")
        self.assertFalse(self.js("return document.getElementById('token-dialog').open"))
        self.assertEqual(self.questions(), ["Secret question"])
        self.assertEqual(self.console(), [])


if __name__ == "__main__":
    unittest.main()
