"""GET /metrics in Prometheus text format, X-Request-Id, and JSON logs."""
import json
import re
import socket
import unittest

from fake import FakeGemini
from harness import Chatrelay, user, wait_until

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? '
                    r'(-?[0-9.e+-]+|\+Inf|NaN)$')


def parse(text):
    """Validates the exposition format and returns {(name, labels): value}."""
    values, typed = {}, {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in ("counter", "gauge", "histogram"), line
            typed[name] = kind
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        name = m.group(1)
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in typed or base in typed, f"sample before its TYPE: {line!r}"
        if typed.get(name, typed.get(base)) == "counter":
            assert name.endswith("_total"), name
        values[(name, m.group(2) or "")] = float(m.group(4))
    return values


class MetricsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = FakeGemini()
        cls.relay = Chatrelay(fake=cls.fake)

    @classmethod
    def tearDownClass(cls):
        cls.relay.stop()
        cls.fake.stop()

    def metrics(self):
        status, headers, body = self.relay.request("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/plain; version=0.0.4"))
        return parse(body.decode())

    def test_format_and_coherent_values(self):
        before = self.metrics()
        status, _, chunks = self.relay.chat([user("hi")])
        self.fake.set_scenarios(["429"])
        self.relay.chat([user("hi")])
        # A request is counted once its last byte is written, which the client may see first.
        key = ("chatrelay_http_requests_total", '{route="/api/chat/stream",status="200"}')
        wait_until(lambda: self.metrics().get(key, 0) - before.get(key, 0) >= 2, 3, 0.05)
        after = self.metrics()
        self.assertEqual(after[key] - before.get(key, 0), 2)
        complete = ("chatrelay_chat_streams_total", '{outcome="complete"}')
        self.assertEqual(after[complete] - before[complete], 1)
        self.assertEqual(after[("chatrelay_upstream_errors_total", '{code="quota_exceeded"}')], 1)
        tokens = sum(1 for c in chunks if c["type"] == "token")
        self.assertEqual(after[("chatrelay_chat_tokens_streamed_total", "")] -
                         before[("chatrelay_chat_tokens_streamed_total", "")], tokens)
        count = ("chatrelay_added_ttft_seconds_count", "")
        self.assertEqual(after[count] - before[count], 1)
        inf = ("chatrelay_added_ttft_seconds_bucket", '{le="+Inf"}')
        self.assertEqual(after[inf], after[count])
        self.assertGreater(after[("process_resident_memory_bytes", "")], 1e6)
        self.assertGreaterEqual(after[("chatrelay_sessions", "")], 1)

    def test_active_streams_gauge_follows_open_streams(self):
        self.fake.set_scenarios(["stall"] * 3)
        body = json.dumps({"messages": [user("hi")]}).encode()
        held = []
        for _ in range(3):
            s = socket.create_connection(("127.0.0.1", self.relay.port))
            s.sendall(b"POST /api/chat/stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            held.append(s)
        self.assertTrue(wait_until(lambda: self.fake.stats()["open_streams"] == 3, 3))
        self.assertEqual(self.metrics()[("chatrelay_chat_streams_active", "")], 3)
        for s in held:
            s.close()
        self.assertTrue(wait_until(lambda: self.metrics()[("chatrelay_chat_streams_active", "")] == 0, 3))
        self.assertGreaterEqual(self.metrics()[("chatrelay_chat_streams_total", '{outcome="client_gone"}')], 3)


class MetricsPlacementTest(unittest.TestCase):
    def test_separate_port_and_off(self):
        with Chatrelay(env={"CHATRELAY_SERVER_METRICS_PORT": "0"}, args=["--set", "server.metrics=false"]) as relay:
            self.assertEqual(relay.request("GET", "/metrics")[0], 404)
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        with Chatrelay(args=["--set", f"server.metrics_port={port}"]) as relay:
            self.assertEqual(relay.request("GET", "/metrics")[0], 404)
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
            s.close()
            self.assertTrue(data.startswith(b"HTTP/1.1 200"))
            parse(data.split(b"\r\n\r\n", 1)[1].decode())


class MetricsListenerAddressTest(unittest.TestCase):
    @staticmethod
    def get_metrics(host, port, headers=b""):
        s = socket.create_connection((host, port), timeout=5)
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + headers + b"\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
        s.close()
        return data

    def test_private_by_default_whatever_the_main_host(self):
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        # The main port on another loopback address: the metrics port stays on 127.0.0.1, and
        # there (only this machine reaches it) it needs no token.
        with Chatrelay(env={"HOST": "127.0.0.2", "CHATRELAY_SERVER_AUTH_TOKENS": "0123456789abcdef-token"},
                       args=["--set", f"server.metrics_port={port}"]) as relay:
            # The log line comes on stderr, which is read apart from the stdout line that gave the port.
            expected = f"metrics_url=http://127.0.0.1:{port}/metrics"
            self.assertTrue(wait_until(lambda: expected in relay.log_text()), relay.log_text())
            self.assertTrue(self.get_metrics("127.0.0.1", port).startswith(b"HTTP/1.1 200"))
            with self.assertRaises(ConnectionRefusedError):
                self.get_metrics("127.0.0.2", port)
            # The main port still asks for the token.
            self.assertIn(b"HTTP/1.1 401", self.get_metrics("127.0.0.2", relay.port))


class RequestIdAndJsonLogTest(unittest.TestCase):
    def test_request_id_echoed_and_logged_as_json(self):
        with FakeGemini() as fake, Chatrelay(fake=fake, env={"LOG_FORMAT": "json"}) as relay:
            # The harness finds the port in text logs; JSON lines carry it as "url".
            status, headers, _ = relay.request("GET", "/health", headers={"X-Request-Id": "abc-123"})
            self.assertEqual(headers["x-request-id"], "abc-123")
            status, headers, _ = relay.request("GET", "/health", headers={"X-Request-Id": "bad id!"})
            self.assertRegex(headers["x-request-id"], r"^[0-9a-f]{32}$")
            fake.set_scenarios(["503", "normal"])
            status, headers, chunks = relay.chat([user("hi")])
            rid = headers["x-request-id"]
            # The access line is written just after the last byte went out: give it a moment.
            self.assertTrue(wait_until(lambda: f'"request_id":"{rid}","method"' in relay.log_text(), 3))
            lines = [json.loads(l) for l in relay.log_lines if l.startswith("{")]
            self.assertTrue(all({"ts", "level", "msg"} <= set(l) for l in lines))
            mine = [l for l in lines if l.get("request_id") == rid]
            self.assertEqual({l["msg"] for l in mine}, {"retrying Gemini call", "request"})
            access = [l for l in mine if l["msg"] == "request"][0]
            self.assertEqual(access["route"], "/api/chat/stream")
            self.assertEqual(access["status"], 200)
            self.assertEqual(access["upstream_attempts"], 2)
            self.assertIn("duration_ms", access)
            # Counts are integers in the JSON text itself, not 2.0 or 2.000000.
            raw = [l for l in relay.log_lines if f'"request_id":"{rid}","method"' in l][0]
            self.assertRegex(raw, r'"upstream_attempts":2[,}]')
            self.assertRegex(raw, r'"status":200,')


if __name__ == "__main__":
    unittest.main()
