"""Bounded shutdown (DESIGN.md §4): on SIGTERM a connection still reading a request is closed at
once, streams get shutdown_grace_s and then end, a stream whose client reads nothing is ended
too, the process never outlives the grace by more than a second, and a second signal exits at
once."""
import signal
import socket
import subprocess
import threading
import time
import unittest

from fake import FakeGemini
from harness import Chatrelay, user, wait_until

GRACE = 1.5


def exit_time(relay, sig=signal.SIGTERM, limit=GRACE + 5):
    """Sends `sig` and returns (seconds until the process exited, its exit code)."""
    t0 = time.monotonic()
    relay.proc.send_signal(sig)
    try:
        code = relay.proc.wait(limit)
    except subprocess.TimeoutExpired:
        return None, None
    return time.monotonic() - t0, code


class ShutdownTest(unittest.TestCase):
    def test_a_client_trickling_its_body_is_closed_at_once(self):
        relay = Chatrelay(args=["--set", f"server.shutdown_grace_s={GRACE}"])
        stop = threading.Event()
        s = socket.create_connection(("127.0.0.1", relay.port), timeout=5)
        try:
            s.sendall(b"POST /api/chat/stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Expect: 100-continue\r\nContent-Length: 100\r\n\r\n")
            self.assertEqual(s.recv(100), b"HTTP/1.1 100 Continue\r\n\r\n")  # now reading the body

            def trickle():  # a byte a second, as long as it is let
                while not stop.wait(1):
                    try:
                        s.sendall(b" ")
                    except OSError:
                        return
            threading.Thread(target=trickle, daemon=True).start()
            elapsed, code = exit_time(relay)
            self.assertIsNotNone(elapsed, "still running long after the grace period")
            self.assertLess(elapsed, GRACE + 1)
            self.assertEqual(code, 0)
        finally:
            stop.set()
            s.close()
            relay.stop()

    def test_a_stream_whose_client_reads_nothing_ends_within_the_grace(self):
        with FakeGemini(scenario="flood") as fake:
            relay = Chatrelay(fake=fake, args=["--set", f"server.shutdown_grace_s={GRACE}",
                                               "--set", "server.write_timeout_s=60"])
            s = relay.open_unread_stream([user("hi")])
            try:
                self.assertTrue(wait_until(lambda: fake.stats()["open_streams"] == 1, 3))
                time.sleep(1)  # the socket buffers fill; chatrelay waits in its write to us
                elapsed, code = exit_time(relay)
                self.assertIsNotNone(elapsed, "still running long after the grace period")
                self.assertLess(elapsed, GRACE + 1)
                self.assertGreater(elapsed, GRACE - 0.2)  # the stream did get its grace
                self.assertEqual(code, 0)
            finally:
                s.close()
                relay.stop()

    def test_a_second_signal_exits_at_once(self):
        with FakeGemini(scenario="endless") as fake:
            relay = Chatrelay(fake=fake, args=["--set", "server.shutdown_grace_s=60"])
            try:
                def chat():  # cut short by the exit
                    try:
                        relay.chat([user("hi")])
                    except Exception:
                        pass
                threading.Thread(target=chat, daemon=True).start()
                self.assertTrue(wait_until(lambda: fake.stats()["open_streams"] == 1, 3))
                relay.proc.send_signal(signal.SIGTERM)
                self.assertTrue(wait_until(lambda: "shutting down" in relay.log_text(), 3))
                elapsed, code = exit_time(relay, signal.SIGINT, limit=5)
                self.assertIsNotNone(elapsed, "a second signal did not end the process")
                self.assertLess(elapsed, 1)
                self.assertEqual(code, 128 + signal.SIGINT)
            finally:
                relay.stop()


if __name__ == "__main__":
    unittest.main()
