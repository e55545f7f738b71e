"""The HTTP/1.1 server over real sockets: routes, keep-alive, pipelining, bodies, limits,
timeouts, strict parsing, CORS and shutdown."""
import json
import socket
import subprocess
import time
import unittest

from fake import FakeGemini
from harness import Chatrelay, fd_count, user, wait_until
from rawhttp import body_of, exchange, head_lines, headers_named, read_response, status_of

ORIGIN = "http://localhost:5173"


def split_responses(data):
    """Splits raw bytes holding several Content-Length responses into (status, headers, body)."""
    out = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        status = int(lines[0].split()[1])
        headers = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in lines[1:]}
        n = int(headers.get("content-length", "0"))
        out.append((status, headers, rest[:n]))
        data = rest[n:]
    return out


class ServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.relay = Chatrelay(args=["--set", "server.max_body_bytes=4096", "--set", "server.max_header_bytes=2048",
                                    "--set", "server.header_timeout_s=1", "--set", "server.body_timeout_s=1",
                                    "--set", "server.idle_timeout_s=2"])

    @classmethod
    def tearDownClass(cls):
        cls.relay.stop()

    def test_health(self):
        status, headers, body = self.relay.request("GET", "/health")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body), {"status": "ok"})
        self.assertEqual(headers["content-type"], "application/json")

    def test_head_has_no_body(self):
        out = self.relay.raw(b"HEAD /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        head, _, body = out.partition(b"\r\n\r\n")
        self.assertIn(b"200 OK", head)
        self.assertIn(b"Content-Length: 15", head)
        self.assertEqual(body, b"")

    def test_not_found_and_method_not_allowed(self):
        status, _, body = self.relay.request("GET", "/nope")
        self.assertEqual((status, json.loads(body)), (404, {"detail": "Not Found"}))
        status, headers, body = self.relay.request("POST", "/health", body="{}")
        self.assertEqual(status, 405)
        self.assertEqual(json.loads(body), {"detail": "Method Not Allowed"})
        self.assertEqual(headers["allow"], "GET, HEAD")
        status, headers, _ = self.relay.request("GET", "/api/chat/stream")
        self.assertEqual((status, headers["allow"]), (405, "POST"))

    def test_docs_and_openapi(self):
        status, headers, body = self.relay.request("GET", "/openapi.json")
        self.assertEqual(status, 200)
        doc = json.loads(body)
        self.assertEqual(doc["openapi"], "3.1.0")
        for path in ("/api/chat/stream", "/health", "/openapi.json", "/docs"):
            self.assertIn(path, doc["paths"])
        status, headers, body = self.relay.request("GET", "/docs")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/html"))
        self.assertIn(b"/openapi.json", body)
        self.assertIn(b"swagger-ui", body)

    def test_keep_alive_reuses_the_connection(self):
        conn = self.relay.connection()
        for _ in range(3):
            conn.request("GET", "/health")
            r = conn.getresponse()
            self.assertEqual(r.status, 200)
            r.read()
        conn.close()

    def test_pipelined_requests_are_answered_in_order(self):
        reqs = (b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
                b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                b"HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n"
                b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        out = self.relay.raw(reqs)
        statuses = []
        while out:
            head, _, rest = out.partition(b"\r\n\r\n")
            statuses.append(int(head.split()[1]))
            n = 0 if b"HEAD" in head else 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    n = int(line.split(b":")[1])
            if len(statuses) == 3:
                n = 0  # the HEAD answer announces a length but carries no body
            out = rest[n:]
        self.assertEqual(statuses, [200, 404, 200, 200])

    def test_chunked_request_body_is_read(self):
        body = b'{"messages": []}'
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        out = self.relay.raw(b"POST /api/chat/stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                             b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunked)
        [(status, _, resp)] = split_responses(out)
        self.assertEqual(status, 422)
        self.assertEqual(json.loads(resp)["detail"][0]["loc"], ["body", "messages"])

    def test_expect_100_continue(self):
        s = socket.create_connection(("127.0.0.1", self.relay.port), timeout=5)
        body = b'{"messages": []}'
        s.sendall(b"POST /api/chat/stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Expect: 100-continue\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body))
        first = s.recv(100)
        self.assertEqual(first, b"HTTP/1.1 100 Continue\r\n\r\n")
        s.sendall(body)
        rest = b""
        while chunk := s.recv(65536):
            rest += chunk
        s.close()
        self.assertTrue(rest.startswith(b"HTTP/1.1 422"))

    def test_body_over_limit_is_413(self):
        big = b"x" * 5000
        out = self.relay.raw(b"POST /api/chat/stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n" % len(big) + big)
        self.assertTrue(out.startswith(b"HTTP/1.1 413"), out[:100])
        self.assertIn(b"Connection: close", out)
        chunked = b"".join(b"400\r\n" + b"y" * 1024 + b"\r\n" for _ in range(5)) + b"0\r\n\r\n"
        out = self.relay.raw(b"POST /api/chat/stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                             b"Transfer-Encoding: chunked\r\n\r\n" + chunked)
        self.assertTrue(out.startswith(b"HTTP/1.1 413"), out[:100])

    def test_header_over_limit_is_431(self):
        out = self.relay.raw(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 3000 + b"\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 431"), out[:100])
        self.assertIn(b'"detail"', out)

    def test_smuggling_shapes_are_refused(self):
        shapes = [
            b"POST /api/chat/stream HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            b"POST /api/chat/stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
            b"GET /health HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n",
            b"POST /api/chat/stream HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            b"POST /api/chat/stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked, identity\r\n\r\n",
            b"GET /health HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n",
            b"GET /health HTTP/1.1\r\n\r\n",
            b"GET health HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /health HTTP/2.0\r\nHost: x\r\n\r\n",
        ]
        for shape in shapes:
            with self.subTest(shape=shape):
                out = self.relay.raw(shape)
                self.assertRegex(out[:12], rb"HTTP/1.1 (400|505)", out[:200])
                self.assertIn(b"Connection: close", out)

    def test_slow_headers_get_408(self):
        s = socket.create_connection(("127.0.0.1", self.relay.port), timeout=5)
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        t0 = time.monotonic()
        out = s.recv(4096)
        elapsed = time.monotonic() - t0
        s.close()
        self.assertTrue(out.startswith(b"HTTP/1.1 408"), out)
        self.assertLess(elapsed, 3)

    def test_slow_body_gets_408(self):
        s = socket.create_connection(("127.0.0.1", self.relay.port), timeout=5)
        s.sendall(b"POST /api/chat/stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        out = s.recv(4096)
        s.close()
        self.assertTrue(out.startswith(b"HTTP/1.1 408"), out)

    def test_idle_keep_alive_connection_is_closed(self):
        s = socket.create_connection(("127.0.0.1", self.relay.port), timeout=6)
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertTrue(s.recv(4096).startswith(b"HTTP/1.1 200"))
        t0 = time.monotonic()
        self.assertEqual(s.recv(4096), b"")  # closed by the server after idle_timeout_s
        self.assertGreater(time.monotonic() - t0, 1.5)
        s.close()

    def test_cors_allowed_origin_is_echoed(self):
        status, headers, _ = self.relay.request("GET", "/health", headers={"Origin": ORIGIN})
        self.assertEqual(headers["access-control-allow-origin"], ORIGIN)
        self.assertEqual(headers["vary"], "Origin")
        status, headers, _ = self.relay.request("GET", "/health", headers={"Origin": "https://evil.example"})
        self.assertEqual(status, 200)
        self.assertNotIn("access-control-allow-origin", headers)

    def test_cors_preflight(self):
        pre = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST",
               "Access-Control-Request-Headers": "content-type"}
        status, headers, _ = self.relay.request("OPTIONS", "/api/chat/stream", headers=pre)
        self.assertEqual(status, 200)
        self.assertEqual(headers["access-control-allow-origin"], ORIGIN)
        self.assertIn("POST", headers["access-control-allow-methods"])
        self.assertEqual(headers["access-control-allow-headers"], "content-type")
        status, headers, _ = self.relay.request("OPTIONS", "/api/chat/stream",
                                                headers={**pre, "Origin": "https://evil.example"})
        self.assertEqual(status, 403)
        self.assertNotIn("access-control-allow-origin", headers)

    def test_no_fd_leak_after_many_bad_connections(self):
        before = fd_count(self.relay.proc.pid)
        for _ in range(50):
            self.relay.raw(b"GARBAGE\r\n\r\n")
            s = socket.create_connection(("127.0.0.1", self.relay.port))
            s.close()
        self.assertTrue(wait_until(lambda: fd_count(self.relay.proc.pid) <= before, 3))


class StrictFramingTest(unittest.TestCase):
    """Shapes on which two parsers in a chain can disagree, refused where it costs nothing."""

    setUpClass = classmethod(ServerTest.setUpClass.__func__)
    tearDownClass = classmethod(ServerTest.tearDownClass.__func__)

    def test_refused_with_400_and_close(self):
        post = b"POST /api/chat/stream HTTP/1.1\r\nHost: x\r\n"
        shapes = {
            "duplicate Host": b"GET /health HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
            "gzip, chunked": post + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
            "identity, chunked": post + b"Transfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n",
            "chunked, chunked": post + b"Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
            "two TE fields": post + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "TE in HTTP/1.0": b"POST /api/chat/stream HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "obs-fold in trailers": post + b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-T: a\r\n b\r\n\r\n",
            "long chunk extension": post + b"Transfer-Encoding: chunked\r\n\r\n2;" + b"e" * 300 + b"\r\n{}\r\n0\r\n\r\n",
        }
        for name, shape in shapes.items():
            with self.subTest(name):
                out = exchange(self.relay.port, shape)
                self.assertEqual(status_of(out), 400, out[:300])
                self.assertEqual(headers_named(head_lines(out), "Connection"), ["close"])
                self.assertEqual(out.count(b"HTTP/1.1"), 1)

    def test_an_upgrade_is_answered_as_http_1_1_and_the_connection_goes_on(self):
        # We switch to no other protocol: never a 200 and then a 400 for the bytes that follow.
        upgrade = (b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                   b"HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n")
        out = exchange(self.relay.port, upgrade + b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertEqual(out.count(b"HTTP/1.1 200 OK"), 2, out)
        self.assertNotIn(b"HTTP/1.1 400", out)
        self.assertNotIn(b"101", out.split(b"\r\n")[0])

    def test_curl_http2_on_a_plain_url(self):
        # curl --http2 on http:// asks for h2c by Upgrade; two URLs share the connection.
        url = f"http://127.0.0.1:{self.relay.port}/health"
        r = subprocess.run(["curl", "-sS", "--http2", "-o", "/dev/null", "-o", "/dev/null", "-w", "%{http_code} %{http_version}\n",
                            url, url], capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "200 1.1\n200 1.1\n")


class Http10Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = FakeGemini()
        cls.relay = Chatrelay(fake=cls.fake, env={"LOG_LEVEL": "warn"})

    @classmethod
    def tearDownClass(cls):
        cls.relay.stop()
        cls.fake.stop()

    def test_a_stream_is_delimited_by_the_close(self):
        body = json.dumps({"messages": [user("hi")]}).encode()
        out = exchange(self.relay.port, b"POST /api/chat/stream HTTP/1.0\r\nContent-Type: application/json\r\n"
                       b"Content-Length: %d\r\n\r\n%s" % (len(body), body), timeout=15)
        lines = head_lines(out)
        self.assertEqual(status_of(out), 200)
        self.assertEqual(headers_named(lines, "Transfer-Encoding"), [])
        self.assertEqual(headers_named(lines, "Content-Length"), [])
        self.assertEqual(headers_named(lines, "Connection"), ["close"])
        chunks = [json.loads(line) for line in body_of(out).decode().splitlines()]  # no chunk framing
        self.assertEqual(chunks[-1]["type"], "complete")
        self.assertTrue(all(c["type"] == "token" for c in chunks[:-1]))

    def test_plain_answers(self):
        out = exchange(self.relay.port, b"GET /health HTTP/1.0\r\n\r\n")
        lines = head_lines(out)
        self.assertEqual(headers_named(lines, "Content-Length"), ["15"])
        self.assertEqual(headers_named(lines, "Connection"), ["close"])
        self.assertEqual(body_of(out), b'{"status":"ok"}')
        # Asked to keep the connection, it says so (a 1.0 client assumes a close otherwise).
        s = socket.create_connection(("127.0.0.1", self.relay.port), timeout=5)
        try:
            for _ in range(2):
                s.sendall(b"GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                head, body = read_response(s)
                self.assertIn(b"\r\nConnection: keep-alive", head)
                self.assertEqual(body, b'{"status":"ok"}')
        finally:
            s.close()


class HostNameTest(unittest.TestCase):
    def test_listens_on_a_host_name(self):
        with Chatrelay(env={"HOST": "localhost"}) as relay:
            self.assertIn(f"listening on http://localhost:{relay.port}", "".join(relay.stdout_lines))
            self.assertEqual(relay.request("GET", "/health")[0], 200)  # localhost is 127.0.0.1 here


class ConnectionLimitTest(unittest.TestCase):
    def test_connections_over_the_cap_are_refused(self):
        with Chatrelay(args=["--set", "server.max_connections=4"]) as relay:
            held = [socket.create_connection(("127.0.0.1", relay.port)) for _ in range(4)]
            time.sleep(0.2)
            extra = socket.create_connection(("127.0.0.1", relay.port), timeout=3)
            extra.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                data = extra.recv(100)
            except ConnectionResetError:
                data = b""
            self.assertEqual(data, b"")
            held[0].sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertTrue(held[0].recv(100).startswith(b"HTTP/1.1 200"))
            for s in held + [extra]:
                s.close()
            time.sleep(0.2)
            status, _, _ = relay.request("GET", "/health")
            self.assertEqual(status, 200)


class ShutdownTest(unittest.TestCase):
    def test_sigterm_exits_cleanly(self):
        relay = Chatrelay()
        try:
            idle = socket.create_connection(("127.0.0.1", relay.port))
            idle.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            idle.recv(4096)
            t0 = time.monotonic()
            self.assertEqual(relay.terminate(), 0)
            self.assertLess(time.monotonic() - t0, 5)
            self.assertIn("stopped", relay.log_text())
            idle.close()
        finally:
            relay.stop()


if __name__ == "__main__":
    unittest.main()
