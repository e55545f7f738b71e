"""How chatrelay serves the chat page at / and its files (DESIGN.md §1 "The page at /"): a strict
Content-Security-Policy on the page (its script and style are files of their own, so it needs no
'unsafe-inline'), a sandboxed policy on the preview, ETag revalidation (304), gzip or identity
bodies that are the same file, HEAD, server.ui = false, and the page loading without a token when
server.auth_tokens is set. Heads are read as raw bytes: a dict of headers would hide a repeat."""
import gzip
import html.parser
import json
import re
import unittest

from harness import Chatrelay, wait_until

PAGES = ["/", "/ui/app.js", "/ui/app.css", "/ui/preview"]
TOKEN = "page-serving-test-token-0123456789"


def request(relay, method, path, headers=()):
    """One request with Connection: close, read raw to the end: (status, [(name, value)], body)."""
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1", "Connection: close", *headers]
    raw = relay.raw(("\r\n".join(lines) + "\r\n\r\n").encode())
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *fields = head.decode("latin-1").split("\r\n")
    pairs = [(name.strip().lower(), value.strip()) for name, _, value in (f.partition(":") for f in fields)]
    return int(status_line.split()[1]), pairs, body


def one(headers, name):
    """The value of a header that must appear exactly once."""
    values = [v for n, v in headers if n == name]
    if len(values) != 1:
        raise AssertionError("%s appears %d times: %s" % (name, len(values), headers))
    return values[0]


def directives(policy):
    """A Content-Security-Policy as {directive: [sources]}."""
    out = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


class PageServing(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.relay = Chatrelay()

    @classmethod
    def tearDownClass(cls):
        cls.relay.stop()

    def get(self, path, *headers, method="GET"):
        return request(self.relay, method, path, headers)

    def test_page_policy_is_strict(self):
        status, headers, body = self.get("/")
        self.assertEqual(status, 200)
        self.assertEqual(one(headers, "content-type"), "text/html; charset=utf-8")
        csp = directives(one(headers, "content-security-policy"))
        self.assertEqual(csp["default-src"], ["'none'"])
        self.assertEqual(csp["script-src"], ["'self'"])  # no 'unsafe-inline', no 'unsafe-eval'
        self.assertEqual(csp["style-src"], ["'self'"])
        self.assertEqual(csp["connect-src"], ["'self'"])
        self.assertEqual(csp["frame-src"], ["'self'"])
        self.assertEqual(csp["frame-ancestors"], ["'none'"])
        self.assertEqual(csp["base-uri"], ["'none'"])
        self.assertEqual(csp["require-trusted-types-for"], ["'script'"])
        self.assertNotIn("http:", json.dumps(csp))  # no other origin anywhere
        self.assertEqual(one(headers, "x-content-type-options"), "nosniff")
        self.assertEqual(one(headers, "referrer-policy"), "no-referrer")

    def test_page_has_no_inline_code_to_allow(self):
        # What the strict policy would refuse: an inline script, a <style>, a style or on* attribute.
        found = []

        class Scan(html.parser.HTMLParser):
            def handle_starttag(self, tag, attrs):
                names = dict(attrs)
                if tag == "script" and "src" not in names:
                    found.append("inline <script>")
                if tag == "style":
                    found.append("<style>")
                found.extend("%s on <%s>" % (n, tag) for n in names if n == "style" or n.startswith("on"))

        _, _, body = self.get("/")
        Scan().feed(body.decode())
        self.assertEqual(found, [])
        self.assertIn(b'<script src="/ui/app.js"', body)
        self.assertIn(b'<link rel="stylesheet" href="/ui/app.css">', body)

    def test_preview_policy_sandboxes_it_without_network(self):
        status, headers, body = self.get("/ui/preview")
        self.assertEqual(status, 200)
        csp = directives(one(headers, "content-security-policy"))
        self.assertEqual(csp["sandbox"], ["allow-scripts", "allow-forms", "allow-modals"])
        self.assertEqual(csp["default-src"], ["'none'"])  # no connect-src: no fetch, XHR or WebSocket
        self.assertNotIn("connect-src", csp)
        self.assertIn("'unsafe-inline'", csp["script-src"])  # the artifact's own scripts
        self.assertEqual(csp["img-src"], ["data:", "blob:"])
        self.assertEqual(csp["frame-ancestors"], ["'self'"])
        self.assertIn(b"event.source !== parent", body)
        self.assertIn(b"document.write", body)

    def test_etag_revalidates_with_304(self):
        for path in PAGES:
            with self.subTest(path=path):
                status, headers, body = self.get(path)
                self.assertEqual(status, 200)
                etag = one(headers, "etag")
                self.assertRegex(etag, r'^"[0-9a-f]{20}"$')
                self.assertEqual(one(headers, "cache-control"), "no-cache")
                status, again, rest = self.get(path, "If-None-Match: " + etag)
                self.assertEqual(status, 304)
                self.assertEqual(rest, b"")
                self.assertNotIn("content-length", dict(again))  # RFC 9110 §8.6: none, or the 200's
                self.assertEqual(one(again, "etag"), etag)
                self.assertEqual(one(again, "vary"), "Accept-Encoding")
                status, _, _ = self.get(path, 'If-None-Match: "0000", W/' + etag)
                self.assertEqual(status, 304)
                status, _, _ = self.get(path, 'If-None-Match: "0000"')
                self.assertEqual(status, 200)

    def test_gzip_and_identity_bodies_are_the_same_file(self):
        for path in PAGES:
            with self.subTest(path=path):
                _, plain, identity = self.get(path)
                _, packed, compressed = self.get(path, "Accept-Encoding: gzip, deflate, br")
                self.assertNotIn("content-encoding", dict(plain))
                self.assertEqual(one(packed, "content-encoding"), "gzip")
                self.assertEqual(int(one(plain, "content-length")), len(identity))
                self.assertEqual(int(one(packed, "content-length")), len(compressed))
                self.assertLess(len(compressed), len(identity))
                self.assertEqual(gzip.decompress(compressed), identity)
                self.assertEqual(one(plain, "vary"), "Accept-Encoding")
                self.assertEqual(one(packed, "vary"), "Accept-Encoding")
                self.assertNotEqual(one(plain, "etag"), one(packed, "etag"))
                # A tag names one form: the identity one does not validate the gzipped one.
                status, _, _ = self.get(path, "Accept-Encoding: gzip", "If-None-Match: " + one(plain, "etag"))
                self.assertEqual(status, 200)
                status, _, _ = self.get(path, "Accept-Encoding: gzip", "If-None-Match: " + one(packed, "etag"))
                self.assertEqual(status, 304)
                _, refused, body = self.get(path, "Accept-Encoding: gzip;q=0, br")
                self.assertNotIn("content-encoding", dict(refused))
                self.assertEqual(body, identity)

    def test_head_says_what_get_would(self):
        for path in PAGES:
            for encoding in ("identity", "gzip"):
                with self.subTest(path=path, encoding=encoding):
                    _, got, body = self.get(path, "Accept-Encoding: " + encoding)
                    status, headed, rest = self.get(path, "Accept-Encoding: " + encoding, method="HEAD")
                    self.assertEqual(status, 200)
                    self.assertEqual(rest, b"")
                    drop = ("x-request-id",)
                    self.assertEqual([h for h in headed if h[0] not in drop], [h for h in got if h[0] not in drop])
                    self.assertEqual(int(one(headed, "content-length")), len(body))

    def test_other_methods_are_405(self):
        status, headers, _ = self.get("/", "Content-Length: 0", method="POST")
        self.assertEqual(status, 405)
        self.assertEqual(one(headers, "allow"), "GET, HEAD")

    def test_openapi_lists_the_page_routes(self):
        _, _, body = self.get("/openapi.json")
        paths = json.loads(body)["paths"]
        for path in PAGES:
            with self.subTest(path=path):
                self.assertEqual(list(paths[path]), ["get"])
                self.assertIn("200", paths[path]["get"]["responses"])

    def test_script_bundle_keeps_the_libraries_and_their_notices(self):
        _, headers, body = self.get("/ui/app.js")
        self.assertEqual(one(headers, "content-type"), "text/javascript; charset=utf-8")
        text = body.decode()
        for needle in ("Permission is hereby granted", "Christopher Jeffrey", "Mozilla Public License 2.0",
                       "Cure53", "DOMPurify", "marked", "chatrelay's chat page"):
            self.assertIn(needle, text)
        # marked's and DOMPurify's own banners, as Debian ships them, are still there.
        self.assertRegex(text, r"\* marked - a markdown parser")
        self.assertRegex(text, r"@license DOMPurify")


class PageOff(unittest.TestCase):
    def test_ui_false_is_404_everywhere(self):
        with Chatrelay(env={"CHATRELAY_SERVER_UI": "false"}) as relay:
            for path in PAGES:
                with self.subTest(path=path):
                    status, headers, body = request(relay, "GET", path, ())
                    self.assertEqual(status, 404)
                    self.assertEqual(json.loads(body), {"detail": "Not Found"})
                    self.assertNotIn("content-security-policy", dict(headers))
            self.assertEqual(request(relay, "GET", "/health", ())[0], 200)


class PageWithTokens(unittest.TestCase):
    def test_the_page_loads_without_a_token_and_the_api_still_asks(self):
        with Chatrelay(env={"CHATRELAY_SERVER_AUTH_TOKENS": json.dumps([TOKEN])}) as relay:
            for path in PAGES:
                with self.subTest(path=path):
                    self.assertEqual(request(relay, "GET", path, ())[0], 200)
                    self.assertEqual(request(relay, "HEAD", path, ())[0], 200)
            for method, path in (("GET", "/api/sessions/abc"), ("GET", "/openapi.json"), ("GET", "/ui/nope"),
                                 ("POST", "/")):
                with self.subTest(method=method, path=path):
                    status, headers, _ = request(relay, method, path, ("Content-Length: 0",))
                    self.assertEqual(status, 401)
                    self.assertEqual(one(headers, "www-authenticate"), "Bearer")
            status, _, _ = request(relay, "GET", "/api/sessions/abc", ("Authorization: Bearer " + TOKEN,))
            self.assertEqual(status, 404)
            # stderr is read by another thread: the line may land a moment after the answer.
            self.assertTrue(wait_until(lambda: re.search(r"path=/ route=/ status=200", relay.log_text())))


if __name__ == "__main__":
    unittest.main()
