"""The HTTP contract as a browser sees it (DESIGN.md §1, §5): a page on one origin calls chatrelay
on another in headless Chromium, the way a chat frontend on http://localhost:5173 does. A repeated
CORS header, a header not exposed, an error answer without CORS headers: what a dict of headers
lets through fails here as it fails for users."""
import contextlib
import json
import os
import re
import struct
import tempfile
import unittest
import uuid

from browser import Browser, PageServer, ScriptRejected, require_browser
from fake import FakeGemini
from harness import Chatrelay, user
from test_chat_stream import recording_texts

# A stand-in for a chat frontend: fetch() with the body as JSON (preflighted, as frontends send it)
# or as a Blob without a type (no Content-Type at all: a CORS-safelisted request with no preflight,
# for answers given before the body's type matters, tested apart from the preflight), NDJSON read
# as it arrives.
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>chatrelay test page</title>
<script>
const named = ['content-type', 'x-session-id', 'x-request-id', 'retry-after'];

async function readLines(response, result) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  for (;;) {
    const {value, done} = await reader.read();
    if (done) break;
    pending += decoder.decode(value, {stream: true});
    let end;
    while ((end = pending.indexOf('\\n')) >= 0) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 1);
      if (line) result.lines.push(JSON.parse(line));
    }
    result.reads.push({bytes: value.length, lines: result.lines.length});
  }
  result.rest = pending + decoder.decode();
}

async function call(url, {method = 'POST', body, json = true, headers = {}} = {}) {
  const init = {method, headers: {...headers}};
  if (body !== undefined) {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    if (json) init.headers['Content-Type'] = 'application/json';
    init.body = json ? text : new Blob([text]);
  }
  const response = await fetch(url, init);
  const result = {status: response.status, type: response.type, headers: {},
                  readable: [...response.headers.keys()], lines: [], reads: [], text: null};
  for (const name of named) result.headers[name] = response.headers.get(name);
  if ((result.headers['content-type'] || '').startsWith('application/x-ndjson')) {
    await readLines(response, result);
  } else {
    result.text = await response.text();
  }
  return result;
}
</script></head>
<body><h1>chatrelay test page</h1></body></html>
"""

CORS_BLOCKED = "has been blocked by CORS policy"
FAKE_TEXT = "Hello from the fake Gemini."  # the fake's "normal" and "paced" scenarios
TOKEN = "browser-test-token-0123456789"

browser = pages = other_pages = None
_module = contextlib.ExitStack()  # the browser and the page servers, for tearDownModule


def setUpModule():
    global browser, pages, other_pages, _module
    require_browser()
    with contextlib.ExitStack() as started:  # stops what started if the rest fails
        pages = started.enter_context(PageServer({"/": PAGE}))
        other_pages = started.enter_context(PageServer({"/": PAGE}))  # an origin chatrelay does not allow
        browser = started.enter_context(Browser())
        _module = started.pop_all()


def tearDownModule():
    _module.close()


def chat_body(text="hi", session_id=None):
    body = {"messages": [user(text)]}
    if session_id is not None:
        body["session_id"] = session_id
    return body


class BrowserCase(unittest.TestCase):
    """One fake Gemini and one chatrelay per class that allows the test page's origin; each test
    starts on a freshly loaded page with empty logs."""
    relay_env = {}
    fake_args = ()

    @classmethod
    def setUpClass(cls):
        with contextlib.ExitStack() as started:  # stops what started if the rest fails
            cls.fake = started.enter_context(FakeGemini(extra_args=cls.fake_args))
            cls.relay = started.enter_context(Chatrelay(
                fake=cls.fake, env={"ALLOWED_ORIGINS": json.dumps([pages.origin]), **cls.relay_env}))
            cls.processes = started.pop_all()
        cls.base = "http://127.0.0.1:%d" % cls.relay.port

    @classmethod
    def tearDownClass(cls):
        cls.processes.close()

    def setUp(self):
        self.fake.clear_scenarios()
        self.open(pages)

    def open(self, server):
        browser.get(server.url("/"))
        browser.clear_logs()

    def call(self, path, **options):
        """fetch() from the page (see PAGE's call()): the page's result, or the text of the error
        the fetch rejected with ("TypeError: Failed to fetch")."""
        try:
            return browser.run("return await call(args[0], args[1]);", self.base + path, options)
        except ScriptRejected as e:
            return "%s: %s" % (e.name, e.message)

    def cors_errors(self):
        return [e["message"] for e in browser.console_errors() if CORS_BLOCKED in e["message"]]

    def browser_says(self):
        """What Chromium reported, for failure messages."""
        return "\nCORS failures: %s\nconsole: %s" % (browser.cors_failures(),
                                                     [e["message"] for e in browser.console_errors()])

    def assert_answered(self, result, status):
        """`result` is an answer the page could read (not a rejected fetch) with `status`; the
        message shows the browser's own error when it is not."""
        if isinstance(result, str):
            self.fail("the page could not read the answer: %s%s" % (result, self.browser_says()))
        self.assertEqual(result["type"], "cors")  # a cross-origin answer, let through by CORS
        self.assertEqual(result["status"], status, result)

    def assert_complete(self, result, text):
        self.assert_answered(result, 200)
        self.assertEqual(result["headers"]["content-type"], "application/x-ndjson")
        lines = result["lines"]
        self.assertTrue(lines, result)
        self.assertEqual(result["rest"], "")  # the stream ends with a whole line
        final = lines[-1]
        self.assertEqual(final["type"], "complete", final)
        self.assertTrue(all(line["type"] == "token" for line in lines[:-1]), lines)
        self.assertEqual("".join(line["content"] for line in lines[:-1]), text)
        self.assertEqual(final["content"], text)
        return final


class BrowserContractTest(BrowserCase):
    def test_recorded_answer_reaches_the_page_whole(self):
        self.fake.set_scenarios(["code"])
        expected, _ = recording_texts("text-codefence-2.5-flash.sse")
        result = self.call("/api/chat/stream", body=chat_body("Write tetris game"))
        final = self.assert_complete(result, expected)
        self.assertEqual(final["artifact"]["language"], "python")
        self.assertEqual(final["finish_reason"], "STOP")

    def test_page_reads_session_and_request_ids(self):
        result = self.call("/api/chat/stream", body=chat_body())
        final = self.assert_complete(result, FAKE_TEXT)
        session_id, request_id = result["headers"]["x-session-id"], result["headers"]["x-request-id"]
        self.assertIsNotNone(session_id, "X-Session-Id is not exposed to the page: %s" % result["readable"])
        self.assertIsNotNone(request_id, "X-Request-Id is not exposed to the page: %s" % result["readable"])
        self.assertRegex(session_id, r"^[0-9a-f]{32}$")
        self.assertEqual(final["session_id"], session_id)
        self.assertIn("request_id=%s method=POST" % request_id, self.relay.log_text())

    def test_quota_error_reaches_the_page_as_a_chunk(self):
        self.fake.set_scenarios(["429"])
        result = self.call("/api/chat/stream", body=chat_body())
        self.assert_answered(result, 200)
        self.assertEqual(len(result["lines"]), 1, result["lines"])
        error = result["lines"][0]
        self.assertEqual(error["type"], "error")
        self.assertEqual(error["code"], "quota_exceeded")
        self.assertEqual(error["retry_after"], 58)  # the recording's RetryInfo
        self.assertIn("quota", error["content"].lower())

    def test_oversized_paste_gets_a_readable_413(self):
        # 2 MiB of text in one message; server.max_body_bytes is 1 MiB. The body is built in the
        # page, not sent through WebDriver, and goes without a Content-Type (no preflight): this is
        # the 413 itself, whatever the preflight does.
        script = ("const body = {messages: [{role: 'user', content: 'x'.repeat(2 * 1024 * 1024)}]};"
                  "const out = [];"
                  "for (let i = 0; i < 5; ++i) {"
                  "  try { const r = await call(args[0], {body, json: false});"
                  "        out.push({status: r.status, text: r.text}); }"
                  "  catch (e) { out.push(e.name + ': ' + e.message); }"
                  "}"
                  "return out;")
        outcomes = browser.run(script, self.base + "/api/chat/stream", timeout=60)
        failed = [o for o in outcomes if isinstance(o, str) or o["status"] != 413]
        self.assertEqual(failed, [], "%d of 5 tries were not a readable 413%s" % (len(failed), self.browser_says()))
        for outcome in outcomes:
            self.assertEqual(json.loads(outcome["text"]), {"detail": "Request body too large"})

    def assert_preflighted(self, url, method):
        # DevTools reports the preflight and its request in either order.
        methods = sorted(r["method"] for r in browser.requests() if r["url"] == url)
        self.assertEqual(methods, sorted(["OPTIONS", method]), browser.requests())

    def test_json_post_passes_its_preflight(self):
        path = "/api/chat/stream?fresh=" + uuid.uuid4().hex  # a URL of its own: no cached preflight
        self.assert_complete(self.call(path, body=chat_body()), FAKE_TEXT)
        self.assert_preflighted(self.base + path, "POST")
        self.assertEqual(browser.cors_failures(), [])

    def test_delete_passes_its_preflight(self):
        path = "/api/sessions/never-made-" + uuid.uuid4().hex
        result = self.call(path, method="DELETE")
        self.assert_answered(result, 404)  # an unknown session
        self.assertIn("detail", json.loads(result["text"]))
        self.assert_preflighted(self.base + path, "DELETE")

    def test_disallowed_origin_is_blocked(self):
        self.open(other_pages)
        posts = self.relay.log_text().count("method=POST")
        simple = self.call("/health", method="GET")
        preflighted = self.call("/api/chat/stream", body=chat_body())
        self.assertEqual(simple, "TypeError: Failed to fetch")
        self.assertEqual(preflighted, "TypeError: Failed to fetch")
        self.assertEqual([f[:2] for f in browser.cors_failures()],
                         [(self.base + "/health", "MissingAllowOriginHeader"),
                          (self.base + "/api/chat/stream", "PreflightMissingAllowOriginHeader")])
        errors = self.cors_errors()
        self.assertEqual(len(errors), 2, errors)
        for error in errors:
            self.assertIn("from origin '%s'" % other_pages.origin, error)
        self.assertIn("No 'Access-Control-Allow-Origin' header is present", errors[0])
        self.assertIn("Response to preflight request doesn't pass access control check", errors[1])
        # The refused preflight kept the POST in the browser.
        self.assertRegex(self.relay.log_text(), r"method=OPTIONS path=/api/chat/stream route=preflight status=403")
        self.assertEqual(self.relay.log_text().count("method=POST"), posts)

    def test_happy_path_has_no_console_errors(self):
        session_id = "happy-" + uuid.uuid4().hex
        self.assert_complete(self.call("/api/chat/stream", body=chat_body("one", session_id)), FAKE_TEXT)
        self.assert_complete(self.call("/api/chat/stream", body=chat_body("two", session_id)), FAKE_TEXT)
        self.assert_answered(self.call("/health", method="GET"), 200)
        self.assertEqual(browser.console_errors(), [])
        self.assertEqual(browser.cors_failures(), [])
        origins = {re.match(r"^[a-z]+://[^/]+", url).group(0) for url in browser.requested_urls()}
        self.assertEqual(origins, {self.base}, "requests went to other origins")


class BrowserPacingTest(BrowserCase):
    # Events 150 ms apart: reads could only merge into one if the page stalled for 300 ms.
    fake_args = ("--delay-ms", "150")

    def test_stream_lines_arrive_while_generated(self):
        result = self.call("/api/chat/stream", body=chat_body())
        self.assert_complete(result, FAKE_TEXT)
        # The page had lines in hand before the answer ended: read as they came, not at the end.
        reads_with_lines = [r for r in result["reads"] if r["lines"] > 0]
        self.assertGreater(len(reads_with_lines), 1, result["reads"])
        self.assertLess(reads_with_lines[0]["lines"], len(result["lines"]), result["reads"])


class BrowserRateLimitTest(BrowserCase):
    # 3 requests from an address, then one every 10 s.
    relay_env = {"CHATRELAY_SERVER_IP_RATE_PER_S": "0.1", "CHATRELAY_SERVER_IP_BURST": "3"}

    def test_page_reads_retry_after(self):
        statuses = []
        for _ in range(4):  # simple GETs: no preflight
            result = self.call("/openapi.json", method="GET")
            self.assertNotIsInstance(result, str, result)
            statuses.append(result["status"])
        self.assertEqual(statuses, [200, 200, 200, 429])
        self.assertIn("detail", json.loads(result["text"]))
        self.assertIsNotNone(result["headers"]["retry-after"],
                             "Retry-After is not exposed to the page: %s" % result["readable"])
        self.assertRegex(result["headers"]["retry-after"], r"^[1-9][0-9]*$")


class BrowserAuthTest(BrowserCase):
    relay_env = {"CHATRELAY_SERVER_AUTH_TOKENS": json.dumps([TOKEN])}

    def test_bearer_token_from_the_page(self):
        result = self.call("/api/chat/stream", body=chat_body(), headers={"Authorization": "Bearer " + TOKEN})
        self.assert_complete(result, FAKE_TEXT)
        wrong = self.call("/api/chat/stream", body=chat_body(),
                          headers={"Authorization": "Bearer " + TOKEN[:-1] + "X"})
        self.assert_answered(wrong, 401)
        self.assertEqual(json.loads(wrong["text"]), {"detail": "Not authenticated"})

    def test_missing_token_is_a_readable_401(self):
        # Without a Content-Type (no preflight): the 401 itself, whatever the preflight does.
        result = self.call("/api/chat/stream", body=chat_body(), json=False)
        self.assert_answered(result, 401)
        self.assertEqual(json.loads(result["text"]), {"detail": "Not authenticated"})


class BrowserHarnessTest(unittest.TestCase):
    def test_screenshot_is_a_png_of_the_window(self):
        browser.get(pages.url("/"))
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "page.png")
            browser.screenshot(path)
            with open(path, "rb") as f:
                head = f.read(24)
        self.assertEqual(head[:8], b"\x89PNG\r\n\x1a\n")
        width, height = struct.unpack(">II", head[16:24])
        self.assertEqual(width, 1280)  # --window-size
        self.assertGreater(height, 0)


if __name__ == "__main__":
    unittest.main()
