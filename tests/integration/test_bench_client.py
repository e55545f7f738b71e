"""bench/'s latency client (chatrelay-streamload) counts what really arrived: a measuring tool
that miscounts would make bench/RESULTS.md wrong without anyone noticing."""
import json
import os
import socket
import subprocess
import unittest

from fake import FakeGemini
from harness import Chatrelay

STREAMLOAD_BIN = os.environ.get("STREAMLOAD_BIN", "build/bench/chatrelay-streamload")
EVENTS, DELAY_MS = 8, 20


def streamload(*args, timeout=60):
    r = subprocess.run([STREAMLOAD_BIN, "latency", *map(str, args)], capture_output=True, text=True,
                       timeout=timeout)
    if r.returncode != 0:
        raise AssertionError(f"chatrelay-streamload exited {r.returncode}: {r.stderr}")
    return json.loads(r.stdout)


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    return port


class PacedStreams(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = FakeGemini("long", ["--events", str(EVENTS), "--delay-ms", str(DELAY_MS)])
        cls.relay = Chatrelay(cls.fake, env={"LOG_LEVEL": "warn"})

    @classmethod
    def tearDownClass(cls):
        cls.relay.stop()
        cls.fake.stop()

    def test_counts_every_token_through_chatrelay_and_direct(self):
        d = streamload("--relay-port", self.relay.port, "--direct-port", self.fake.port, "--ca", self.fake.ca,
                       "--streams", 5, "--rounds", 2, "--warmup")
        self.assertEqual((d["mode"], d["streams"], d["rounds"]), ("latency", 5, 2))
        for ep in ("relay", "direct"):
            s = d[ep]
            with self.subTest(endpoint=ep):
                self.assertEqual((s["rounds"], s["ok"], s["connect_failures"], s["errors"]), (2, 10, 0, {}))
                self.assertEqual((s["tokens_min"], s["tokens_max"]), (EVENTS, EVENTS))
                self.assertEqual(s["ttfb"]["n"], 10)
                self.assertEqual(s["ttft"]["n"], 10)
                self.assertEqual(s["gap"]["n"], 10 * (EVENTS - 1))
                # The fake waits DELAY_MS before every event, the first included.
                self.assertGreaterEqual(s["ttft"]["p50_us"], DELAY_MS * 1000 * 0.9)
                self.assertLess(s["ttft"]["p50_us"], 2_000_000)
                self.assertGreaterEqual(s["gap"]["p50_us"], DELAY_MS * 1000 * 0.9)
                self.assertLess(s["ttfb"]["p50_us"], s["ttft"]["p50_us"])
                self.assertLessEqual(s["ttft"]["p50_us"], s["ttft"]["p99_us"])
                self.assertLessEqual(s["ttft"]["p99_us"], s["ttft"]["max_us"])

    def test_a_refused_endpoint_is_counted_not_measured(self):
        d = streamload("--relay-port", closed_port(), "--streams", 3, "--connect-timeout", 5)
        s = d["relay"]
        self.assertEqual((s["ok"], s["connect_failures"]), (0, 3))
        self.assertIsNone(s["ttft"])

    def test_a_tls_peer_it_cannot_verify_is_a_connect_failure(self):
        other = FakeGemini("long")  # its own CA: not the one passed with --ca
        try:
            d = streamload("--direct-port", other.port, "--ca", self.fake.ca, "--streams", 2, "--connect-timeout", 5)
        finally:
            other.stop()
        self.assertEqual((d["direct"]["ok"], d["direct"]["connect_failures"]), (0, 2))


class ErrorAnswers(unittest.TestCase):
    def test_a_non_200_answer_is_an_error_of_that_status(self):
        with FakeGemini("429") as fake:
            d = streamload("--direct-port", fake.port, "--ca", fake.ca, "--streams", 3)
        s = d["direct"]
        self.assertEqual((s["ok"], s["errors"]), (0, {"status 429": 3}))
        self.assertEqual(s["tokens_max"], 0)

    def test_a_stream_cut_before_its_end_is_an_error_with_its_tokens_counted(self):
        with FakeGemini("reset") as fake:
            d = streamload("--direct-port", fake.port, "--ca", fake.ca, "--streams", 2)
        s = d["direct"]
        self.assertEqual(s["ok"], 0)
        self.assertEqual(sum(n for k, n in s["errors"].items() if k.startswith("closed early")), 2, s["errors"])
        self.assertEqual((s["tokens_min"], s["tokens_max"]), (2, 2))


if __name__ == "__main__":
    unittest.main()
