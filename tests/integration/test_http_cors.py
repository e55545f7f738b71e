"""CORS on every answer a browser can see, each header exactly once, counted on the raw bytes:
preflights, 2xx, 4xx (from the router, auth, rate limits and the parser: 400, 408, 413, 431), and
streams. DESIGN.md §1."""
import json
import socket
import unittest

from fake import FakeGemini
from harness import Chatrelay, wait_until
from rawhttp import exchange, head_lines, headers_named, read_all, status_of

ORIGIN = "http://localhost:5173"
TOKEN = "tok-0123456789abcdef-secret"
ANSWER_HEADERS = ["Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
                  "Access-Control-Expose-Headers", "Vary", "X-Request-Id"]
CHAT_BODY = json.dumps({"messages": [{"role": "user", "content": "hi"}]}).encode()


def post(path, body, extra=b""):
    return (b"POST %s HTTP/1.1\r\nHost: x\r\nOrigin: %s\r\nContent-Type: application/json\r\n%s"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (path, ORIGIN.encode(), extra, len(body), body))


class CorsOnEveryAnswerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = FakeGemini()
        cls.relay = Chatrelay(fake=cls.fake, args=["--set", "server.max_body_bytes=4096",
                                                   "--set", "server.max_header_bytes=2048",
                                                   "--set", "server.header_timeout_s=1"])

    @classmethod
    def tearDownClass(cls):
        cls.relay.stop()
        cls.fake.stop()

    def assert_cors_once(self, response, status, extra=()):
        lines = head_lines(response)
        self.assertEqual(status_of(response), status, lines)
        for name in ANSWER_HEADERS + list(extra):
            self.assertEqual(len(headers_named(lines, name)), 1, "%s in %s" % (name, lines))
        self.assertEqual(headers_named(lines, "Access-Control-Allow-Origin"), [ORIGIN])
        self.assertEqual(headers_named(lines, "Access-Control-Allow-Credentials"), ["true"])
        self.assertEqual(headers_named(lines, "Access-Control-Expose-Headers"),
                         ["X-Session-Id, X-Request-Id, Retry-After"])
        self.assertEqual(headers_named(lines, "Vary"), ["Origin"])
        return lines

    def test_preflight(self):
        out = exchange(self.relay.port, b"OPTIONS /api/chat/stream HTTP/1.1\r\nHost: x\r\nOrigin: %s\r\n"
                       b"Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\n"
                       b"Connection: close\r\n\r\n" % ORIGIN.encode())
        lines = self.assert_cors_once(out, 200, ["Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
                                                 "Access-Control-Max-Age"])
        methods = headers_named(lines, "Access-Control-Allow-Methods")[0].split(", ")
        self.assertEqual(sorted(methods), sorted(set(methods)))
        self.assertTrue({"GET", "POST", "OPTIONS"} <= set(methods), methods)
        self.assertEqual(headers_named(lines, "Access-Control-Allow-Headers"), ["content-type"])

    def test_preflight_without_requested_headers_allows_the_usual_ones(self):
        out = exchange(self.relay.port, b"OPTIONS /api/chat/stream HTTP/1.1\r\nHost: x\r\nOrigin: %s\r\n"
                       b"Access-Control-Request-Method: POST\r\nConnection: close\r\n\r\n" % ORIGIN.encode())
        allowed = headers_named(head_lines(out), "Access-Control-Allow-Headers")[0].lower()
        self.assertIn("content-type", allowed)
        self.assertIn("authorization", allowed)

    def test_ok_and_not_found(self):
        for path, status in ((b"/health", 200), (b"/nope", 404)):
            with self.subTest(path=path):
                out = exchange(self.relay.port, b"GET %s HTTP/1.1\r\nHost: x\r\nOrigin: %s\r\n"
                               b"Connection: close\r\n\r\n" % (path, ORIGIN.encode()))
                self.assert_cors_once(out, status)

    def test_body_too_large_by_content_length(self):
        out = exchange(self.relay.port, post(b"/api/chat/stream", b"x" * 5000))
        self.assert_cors_once(out, 413)

    def test_head_too_large(self):
        # The field that crosses max_header_bytes after Origin, or the target before it: the rest
        # of the head is read (not kept) for its Origin either way.
        for head in (b"GET /health HTTP/1.1\r\nHost: x\r\nOrigin: %s\r\nCookie: %s\r\n\r\n" % (ORIGIN.encode(), b"c" * 3000),
                     b"GET /health?%s HTTP/1.1\r\nHost: x\r\nOrigin: %s\r\n\r\n" % (b"q" * 3000, ORIGIN.encode())):
            with self.subTest(head=head[:40]):
                out = exchange(self.relay.port, head)
                self.assert_cors_once(out, 431)
                self.assertIn(b'"detail"', out)

    def test_a_head_past_four_times_the_limit_is_refused_without_reading_on(self):
        out = exchange(self.relay.port, b"GET /health HTTP/1.1\r\nHost: x\r\nCookie: %s\r\nOrigin: %s\r\n\r\n"
                       % (b"c" * 9000, ORIGIN.encode()))
        lines = head_lines(out)
        self.assertEqual(status_of(out), 431)
        self.assertEqual(headers_named(lines, "Access-Control-Allow-Origin"), [])  # its Origin was never read
        self.assertEqual(len(headers_named(lines, "X-Request-Id")), 1)

    def test_smuggling_shape(self):
        out = exchange(self.relay.port, b"POST /api/chat/stream HTTP/1.1\r\nHost: x\r\nOrigin: %s\r\n"
                       b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" % ORIGIN.encode())
        self.assert_cors_once(out, 400)

    def test_request_timeout(self):
        out = exchange(self.relay.port, b"POST /api/chat/stream HTTP/1.1\r\nHost: x\r\nOrigin: %s\r\n" % ORIGIN.encode())
        self.assert_cors_once(out, 408)

    def test_client_request_id_is_kept_on_parser_errors(self):
        out = exchange(self.relay.port, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Request-Id: my-id-1\r\nOrigin: %s\r\n"
                       b"Transfer-Encoding: gzip, chunked\r\n\r\n" % ORIGIN.encode())
        self.assertEqual(status_of(out), 400)
        self.assertEqual(headers_named(head_lines(out), "X-Request-Id"), ["my-id-1"])
        self.assertTrue(wait_until(lambda: "request_id=my-id-1 method=GET" in self.relay.log_text(), 3))

    def test_stream(self):
        out = exchange(self.relay.port, post(b"/api/chat/stream", CHAT_BODY), timeout=15)
        lines = self.assert_cors_once(out, 200)
        self.assertEqual(headers_named(lines, "Transfer-Encoding"), ["chunked"])
        self.assertIn(b'"type":"complete"', out)

    def test_disallowed_origin_gets_no_cors_header(self):
        for request in (b"GET /health HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\nConnection: close\r\n\r\n",
                        b"OPTIONS /api/chat/stream HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\n"
                        b"Access-Control-Request-Method: POST\r\nConnection: close\r\n\r\n"):
            with self.subTest(request=request[:20]):
                out = exchange(self.relay.port, request)
                lines = head_lines(out)
                self.assertEqual(status_of(out), 403 if request.startswith(b"OPTIONS") else 200)
                self.assertEqual([l for l in lines if l.lower().startswith("access-control-")], [])
                self.assertEqual(headers_named(lines, "Vary"), ["Origin"])


class CorsOnRefusalsTest(unittest.TestCase):
    def test_unauthenticated(self):
        with Chatrelay(env={"CHATRELAY_SERVER_AUTH_TOKENS": json.dumps([TOKEN])}) as relay:
            out = exchange(relay.port, post(b"/api/chat/stream", CHAT_BODY))
            CorsOnEveryAnswerTest.assert_cors_once(self, out, 401, ["WWW-Authenticate"])

    def test_rate_limited(self):
        with Chatrelay(env={"CHATRELAY_SERVER_IP_RATE_PER_S": "0.01", "CHATRELAY_SERVER_IP_BURST": "1"}) as relay:
            self.assertEqual(relay.request("GET", "/openapi.json")[0], 200)
            out = exchange(relay.port, b"GET /openapi.json HTTP/1.1\r\nHost: x\r\nOrigin: %s\r\n"
                           b"Connection: close\r\n\r\n" % ORIGIN.encode())
            CorsOnEveryAnswerTest.assert_cors_once(self, out, 429, ["Retry-After"])

    def test_wildcard_never_sends_credentials(self):
        with Chatrelay(env={"ALLOWED_ORIGINS": "*"}) as relay:
            out = exchange(relay.port, b"OPTIONS /api/chat/stream HTTP/1.1\r\nHost: x\r\nOrigin: https://any.example\r\n"
                           b"Access-Control-Request-Method: POST\r\nConnection: close\r\n\r\n")
            lines = head_lines(out)
            self.assertEqual(status_of(out), 200)
            self.assertEqual(headers_named(lines, "Access-Control-Allow-Origin"), ["https://any.example"])
            self.assertEqual(headers_named(lines, "Access-Control-Allow-Credentials"), [])
            self.assertEqual(headers_named(lines, "Vary"), ["Origin"])


if __name__ == "__main__":
    unittest.main()
