"""What chatrelay does when the upstream or the client misbehaves: TLS identity, timeouts,
oversized events, and a client that stops reading."""
import json
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


class TlsIdentityTest(unittest.TestCase):
    def test_certificate_for_another_host_is_refused(self):
        with tempfile.TemporaryDirectory() as tls_dir:
            with FakeGemini(extra_args=["--tls-dir", tls_dir, "--cert-host", "not-gemini.example"]) as fake:
                with Chatrelay(fake=fake, env={"CHATRELAY_GEMINI_MAX_RETRIES": "0"}) as relay:
                    status, _, chunks = relay.chat([user("hi")])
                    self.assertEqual(last(chunks)["code"], "upstream_unavailable")
                    self.assertIn("certificate verify failed", last(chunks)["content"])

    def test_untrusted_ca_is_refused(self):
        with FakeGemini() as fake:
            # No GEMINI_CA_FILE: the system trust store does not know the fake's CA.
            with Chatrelay(fake=fake, env={"GEMINI_CA_FILE": "", "CHATRELAY_GEMINI_MAX_RETRIES": "0"}) as relay:
                status, _, chunks = relay.chat([user("hi")])
                self.assertEqual(last(chunks)["code"], "upstream_unavailable")
                self.assertEqual(fake.stats()["requests"], 0)


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
