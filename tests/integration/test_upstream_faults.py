"""What chatrelay does when the upstream or the client misbehaves: TLS identity, timeouts,
oversized events, and a client that stops reading."""
import json
import re
import resource
import socket
import tempfile
import threading
import time
import unittest

from fake import FakeGemini
from harness import Chatrelay, fd_count, user, wait_until


def last(chunks):
    return chunks[-1]


def head_wait(relay, timeout=5):
    """(seconds from a chat request written to its response head read, the head)."""
    s = socket.create_connection(("127.0.0.1", relay.port), timeout=timeout)
    try:
        body = json.dumps({"messages": [user("hi")]}).encode()
        t0 = time.monotonic()
        s.sendall(b"POST /api/chat/stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        head = b""
        while b"\r\n\r\n" not in head:
            piece = s.recv(65536)
            if not piece:
                break
            head += piece
        return time.monotonic() - t0, head
    finally:
        s.close()


def failure_line(relay, request_id):
    """The warn line chatrelay logs about a failed Gemini call of `request_id`."""
    lines = [l for l in relay.log_lines if "Gemini call failed" in l and f"request_id={request_id}" in l]
    return lines[0] if len(lines) == 1 else None


class TlsIdentityTest(unittest.TestCase):
    def assert_certificate_refused(self, relay):
        status, headers, chunks = relay.chat([user("hi")])
        error = last(chunks)
        self.assertEqual(error["code"], "upstream_unavailable")
        # The user's words: what happened, who can fix it; no OpenSSL text, no file paths.
        self.assertIn("could not verify Gemini's TLS certificate", error["content"])
        self.assertIn("gemini.ca_file", error["content"])
        for operator_detail in ("SSL", "verify failed", "issuer", "/", ".pem"):
            self.assertNotIn(operator_detail, error["content"])
        # The operator's words, on the warn line of the same request id. One attempt: a certificate
        # that fails verification does not heal in seconds, so it is not retried.
        self.assertTrue(wait_until(lambda: failure_line(relay, headers["x-request-id"]), 2))
        line = failure_line(relay, headers["x-request-id"])
        self.assertIn("certificate verify failed", line)
        self.assertIn(" attempts=1 ", line)
        self.assertNotIn("retrying Gemini call", relay.log_text())
        return line

    def test_certificate_for_another_host_is_refused(self):
        with tempfile.TemporaryDirectory() as tls_dir:
            with FakeGemini(extra_args=["--tls-dir", tls_dir, "--cert-host", "not-gemini.example"]) as fake:
                with Chatrelay(fake=fake) as relay:
                    self.assertIn("mismatch", self.assert_certificate_refused(relay))

    def test_untrusted_ca_is_refused(self):
        with FakeGemini() as fake:
            # No GEMINI_CA_FILE: the system trust store does not know the fake's CA.
            with Chatrelay(fake=fake, env={"GEMINI_CA_FILE": ""}) as relay:
                before = fake.stats()["connections"]
                self.assertIn("issuer", self.assert_certificate_refused(relay))
                self.assertEqual(fake.stats()["connections"] - before, 1)  # the control connection is kept open
                self.assertEqual(fake.stats()["requests"], 0)


class FailureRegistersTest(unittest.TestCase):
    def test_the_chunk_speaks_to_the_user_and_the_log_to_the_operator(self):
        with FakeGemini() as fake, Chatrelay(fake=fake) as relay:
            fake.set_scenarios(["403"])  # SERVICE_DISABLED, whose message names the project
            status, headers, chunks = relay.chat([user("hi")])
            error = last(chunks)
            self.assertEqual(error["code"], "invalid_api_key")
            self.assertNotIn("12345678", error["content"])
            self.assertNotIn("SERVICE_DISABLED", error["content"])
            self.assertTrue(wait_until(lambda: failure_line(relay, headers["x-request-id"]), 2))
            line = failure_line(relay, headers["x-request-id"])
            self.assertIn("level" if line.startswith("{") else " warn ", line)
            for operator_detail in (" http_status=403 ", "PERMISSION_DENIED", "SERVICE_DISABLED", "project 12345678",
                                    " attempts=1 "):
                self.assertIn(operator_detail, line)
            self.assertNotIn(relay.api_key, relay.log_text())

    def test_counts_on_the_access_line_are_integers(self):
        with FakeGemini() as fake, Chatrelay(fake=fake) as relay:
            status, headers, chunks = relay.chat([user("hi")])
            self.assertEqual(last(chunks)["type"], "complete")
            rid = headers["x-request-id"]
            self.assertTrue(wait_until(lambda: f"request_id={rid} method" in relay.log_text(), 2))
            access = [l for l in relay.log_lines if f"request_id={rid} method" in l][0]
            self.assertRegex(access, r" upstream_attempts=1( |$)")
            self.assertRegex(access, r" status=200 ")


class TrickleTest(unittest.TestCase):
    """Bytes that are not events (SSE comments, a head dripped a byte at a time) never stretch the
    first-event or between-events deadlines (DESIGN.md §4)."""

    @classmethod
    def setUpClass(cls):
        cls.fake = FakeGemini()
        cls.relay = Chatrelay(fake=cls.fake, env={"CHATRELAY_GEMINI_FIRST_BYTE_TIMEOUT_S": "2",
                                                  "CHATRELAY_GEMINI_IDLE_TIMEOUT_S": "2",
                                                  "CHATRELAY_GEMINI_MAX_RETRIES": "0"})

    @classmethod
    def tearDownClass(cls):
        cls.relay.stop()
        cls.fake.stop()

    def chat_through(self, scenario):
        """(seconds the chat took, its chunks, the failure's log line)."""
        self.fake.set_scenarios([scenario])
        t0 = time.monotonic()
        status, headers, chunks = self.relay.chat([user("hi")], timeout=10)
        took = time.monotonic() - t0
        self.assertTrue(wait_until(lambda: failure_line(self.relay, headers["x-request-id"]), 2))
        self.assertTrue(wait_until(lambda: self.fake.stats()["open_streams"] == 0, 2))
        return took, chunks, failure_line(self.relay, headers["x-request-id"])

    def test_comment_lines_before_any_event(self):
        took, chunks, line = self.chat_through("comments")
        self.assertEqual(last(chunks)["code"], "upstream_timeout")
        self.assertLess(took, 3)
        self.assertIn("first_byte_timeout_s=2", line)

    def test_comment_lines_after_an_event(self):
        took, chunks, line = self.chat_through("stall-comments")
        self.assertEqual(chunks[0], {"type": "token", "content": "Hello"})
        self.assertEqual(last(chunks)["code"], "upstream_timeout")
        self.assertLess(took, 3)
        self.assertIn("idle_timeout_s=2", line)

    def test_a_head_dripped_a_byte_at_a_time(self):
        took, chunks, line = self.chat_through("drip-headers")
        self.assertEqual(last(chunks)["code"], "upstream_timeout")
        self.assertLess(took, 3)
        self.assertIn("response head incomplete", line)


class TimeoutTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = FakeGemini()
        cls.relay = Chatrelay(fake=cls.fake, env={"CHATRELAY_GEMINI_FIRST_BYTE_TIMEOUT_S": "1",
                                                  "CHATRELAY_GEMINI_IDLE_TIMEOUT_S": "1",
                                                  "CHATRELAY_GEMINI_CONNECT_TIMEOUT_S": "1",
                                                  "CHATRELAY_GEMINI_MAX_RETRIES": "0"})

    @classmethod
    def tearDownClass(cls):
        cls.relay.stop()
        cls.fake.stop()

    def test_no_first_byte(self):
        self.fake.set_scenarios(["stall-headers"])
        t0 = time.monotonic()
        status, _, chunks = self.relay.chat([user("hi")])
        self.assertEqual(last(chunks)["code"], "upstream_timeout")
        self.assertLess(time.monotonic() - t0, 3)
        self.assertTrue(wait_until(lambda: self.fake.stats()["open_streams"] == 0, 2))

    def test_the_head_does_not_wait_for_gemini_on_a_pooled_connection(self):
        # The request goes out on the pooled connection first, then the head: not after Gemini answers.
        self.relay.chat([user("hi")])  # leaves a pooled connection
        self.fake.set_scenarios(["stall-headers"])
        waited, head = head_wait(self.relay)
        self.assertTrue(head.startswith(b"HTTP/1.1 200 "), head)
        self.assertIn(b"x-session-id:", head.lower())
        self.assertLess(waited, 0.5)  # Gemini's first-byte timeout here is 1 s
        self.assertTrue(wait_until(lambda: self.fake.stats()["requests"] >= 2, 2))

    def test_stall_between_events(self):
        self.fake.set_scenarios(["stall"])
        status, _, chunks = self.relay.chat([user("hi")])
        self.assertEqual(chunks[0]["type"], "token")
        self.assertEqual(last(chunks)["code"], "upstream_timeout")

    def test_event_larger_than_the_bound(self):
        # Default timeouts: the fake takes a moment to build its 20 MB event.
        with Chatrelay(fake=self.fake) as relay:
            self.fake.set_scenarios(["huge-event"])
            status, _, chunks = relay.chat([user("hi")])
            self.assertEqual(last(chunks)["code"], "upstream_protocol")
            status, _, chunks = relay.chat([user("still alive?")])
            self.assertEqual(last(chunks)["type"], "complete")


class OutOfFileDescriptorsTest(unittest.TestCase):
    LIMIT = 64  # soft and hard: chatrelay cannot raise it

    def test_a_stream_that_cannot_open_its_upstream_connection_says_so(self):
        def low_limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (self.LIMIT, self.LIMIT))

        with FakeGemini() as fake, Chatrelay(fake=fake, preexec_fn=low_limit,
                                             env={"CHATRELAY_GEMINI_MAX_RETRIES": "0"},
                                             args=["--set", "server.header_timeout_s=60"]) as relay:
            pid = relay.proc.pid
            self.assertTrue(wait_until(lambda: "the open-file limit is lower" in relay.log_text(), 2))
            self.assertIn("open_file_limit=64 ", relay.log_text())
            held = []
            try:
                # Idle connections until one descriptor is left: the chat's own connection takes it,
                # and its upstream connection finds none.
                while fd_count(pid) < self.LIMIT - 1:
                    n = fd_count(pid)
                    held.append(socket.create_connection(("127.0.0.1", relay.port), timeout=5))
                    self.assertTrue(wait_until(lambda: fd_count(pid) > n, 5))
                status, headers, chunks = relay.chat([user("hi")])
                self.assertEqual(status, 200)
                self.assertEqual(last(chunks)["code"], "upstream_unavailable")
                self.assertEqual(last(chunks)["content"],
                                 "chatrelay cannot open more connections right now; try again in a moment.")
                self.assertTrue(wait_until(lambda: failure_line(relay, headers["x-request-id"]), 2))
                self.assertIn("(EMFILE)", failure_line(relay, headers["x-request-id"]))
            finally:
                for s in held:
                    s.close()
            # Once descriptors are free again, so is the server.
            self.assertTrue(wait_until(lambda: fd_count(pid) < self.LIMIT - 10, 5))
            status, _, chunks = relay.chat([user("hi again")])
            self.assertEqual(last(chunks)["type"], "complete")


class DeadUpstreamTest(unittest.TestCase):
    def test_upstream_accepts_tcp_but_never_speaks_tls(self):
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        held = []
        stop = threading.Event()

        def accept():
            listener.settimeout(0.2)
            while not stop.is_set():
                try:
                    held.append(listener.accept()[0])
                except socket.timeout:
                    pass

        t = threading.Thread(target=accept, daemon=True)
        t.start()
        port = listener.getsockname()[1]
        try:
            with Chatrelay(env={"GEMINI_BASE_URL": f"https://127.0.0.1:{port}",
                                "CHATRELAY_GEMINI_CONNECT_TIMEOUT_S": "1",
                                "CHATRELAY_GEMINI_MAX_RETRIES": "0"}) as relay:
                # With no connection to reuse, the head goes out before the connect, not after it.
                waited, head = head_wait(relay)
                self.assertTrue(head.startswith(b"HTTP/1.1 200 "), head)
                self.assertLess(waited, 0.5)  # the connect timeout is 1 s
                t0 = time.monotonic()
                status, _, chunks = relay.chat([user("hi")])
                self.assertEqual(last(chunks)["code"], "upstream_unavailable")
                self.assertLess(time.monotonic() - t0, 3)
        finally:
            stop.set()
            t.join()
            for s in held:
                s.close()
            listener.close()

    def test_a_client_leaving_during_the_handshake_is_not_an_upstream_failure(self):
        # Our own client's cancellation is told apart from operations aborted for other reasons.
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        port = listener.getsockname()[1]
        try:
            with Chatrelay(env={"GEMINI_BASE_URL": f"https://127.0.0.1:{port}"}) as relay:
                def gone():
                    m = re.search(r'chatrelay_chat_streams_total\{outcome="client_gone"\} (\d+)',
                                  relay.request("GET", "/metrics")[2].decode())
                    return int(m.group(1)) if m else 0
                before = gone()
                waited, head = head_wait(relay)  # closes once the head is in: the handshake still waits
                self.assertTrue(head.startswith(b"HTTP/1.1 200 "), head)
                self.assertTrue(wait_until(lambda: gone() == before + 1, 3))
                self.assertNotIn("Gemini call failed", relay.log_text())
        finally:
            listener.close()

    def test_connection_refused_is_retried_then_reported(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()  # nothing listens there now
        with Chatrelay(env={"GEMINI_BASE_URL": f"https://127.0.0.1:{port}"}) as relay:
            status, _, chunks = relay.chat([user("hi")])
            self.assertEqual(last(chunks)["code"], "upstream_unavailable")
            self.assertIn("retrying Gemini call", relay.log_text())


class StalledClientTest(unittest.TestCase):
    def test_client_that_stops_reading_is_cut_off(self):
        with FakeGemini(scenario="long", extra_args=["--events", "300000"]) as fake:
            with Chatrelay(fake=fake, args=["--set", "server.write_timeout_s=1"]) as relay:
                fds = fd_count(relay.proc.pid)
                s = relay.open_unread_stream([user("hi")])
                self.assertTrue(wait_until(lambda: fake.stats()["open_streams"] == 1, 3))
                # Never read: after write_timeout_s of no progress chatrelay gives up on us and
                # closes the upstream call too.
                self.assertTrue(wait_until(lambda: fake.stats()["open_streams"] == 0, 15))
                self.assertTrue(wait_until(lambda: "status=200" in relay.log_text(), 3))
                s.close()
                self.assertTrue(wait_until(lambda: fd_count(relay.proc.pid) <= fds, 3))
                status, _, _ = relay.request("GET", "/health")
                self.assertEqual(status, 200)


if __name__ == "__main__":
    unittest.main()
