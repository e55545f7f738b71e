"""HTTP/2 to Gemini (DESIGN.md §3) over real TLS with ALPN against the fake: streams share
connections within the server's MAX_CONCURRENT_STREAMS, a client that leaves resets only its own
stream, GOAWAY loses no stream that had not started, a slow reader is held back by its own
stream's window without stalling its neighbours, and a server that refuses h2 gets HTTP/1.1."""
import json
import socket
import threading
import time
import unittest

from fake import FakeGemini
from harness import SANITIZED, Chatrelay, rss_kib, user, wait_until

H2 = {"CHATRELAY_GEMINI_HTTP2": "true"}  # the default, which the harness pins to false


def chats_at_once(relay, n, timeout=30):
    """n chats started together; returns the last chunk type of each."""
    results = [None] * n

    def one(i):
        try:
            results[i] = relay.chat([user("hi %d" % i)], timeout=timeout)[2][-1]["type"]
        except Exception as e:  # reported through results
            results[i] = repr(e)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout + 5)
    return results


class StreamsShareConnectionsTest(unittest.TestCase):
    def test_streams_share_connections_within_max_concurrent_streams(self):
        # Paced: three events 300 ms apart, so that the ten streams are open together.
        with FakeGemini("paced", extra_args=["--delay-ms", "300", "--max-streams", "4"]) as fake, \
                Chatrelay(fake=fake, env=H2) as relay:
            self.assertEqual(chats_at_once(relay, 10), ["complete"] * 10)
            stats = fake.stats()
            self.assertEqual(stats["requests"], 10)
            # (The fake counts its control connection too: h2_connections are chatrelay's.)
            self.assertEqual(stats["h2_connections"] + 1, stats["connections"])
            # Ten streams, four at most per connection: three connections at least (fewer would
            # mean the limit was not respected), and far fewer than HTTP/1.1's ten.
            self.assertGreaterEqual(stats["h2_connections"], 3)
            self.assertLessEqual(stats["h2_connections"], 5)
            # nghttp2 in the fake refuses a stream past its limit: none was.
            self.assertEqual(relay.metric("chatrelay_upstream_h2_refused_total"), 0)
            self.assertEqual(relay.metric("chatrelay_upstream_h2_streams"), 0)


class DisconnectResetsOnlyItsStreamTest(unittest.TestCase):
    def test_a_client_that_leaves_resets_its_stream_and_the_connection_stays(self):
        with FakeGemini("paced", extra_args=["--delay-ms", "100"]) as fake, \
                Chatrelay(fake=fake, env=H2) as relay:
            fake.set_scenarios(["endless", "paced"])
            leaving = socket.create_connection(("127.0.0.1", relay.port), timeout=10)
            body = json.dumps({"messages": [user("forever")]}).encode()
            leaving.sendall(b"POST /api/chat/stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            self.assertIn(b'"type":"token"', leaving.recv(65536) + leaving.recv(65536))
            staying = {}
            t = threading.Thread(target=lambda: staying.update(r=relay.chat([user("stay")])))
            t.start()
            self.assertTrue(wait_until(lambda: fake.stats()["open_streams"] == 2, 10))
            leaving.close()
            self.assertTrue(wait_until(lambda: fake.stats()["stream_resets"] == 1, 10), fake.stats())
            t.join(30)
            self.assertEqual(staying["r"][2][-1]["type"], "complete")
            stats = fake.stats()
            self.assertEqual(stats["h2_connections"], 1)  # both streams, one connection, still up
            self.assertEqual(relay.metric("chatrelay_upstream_h2_connections"), 1)
            self.assertEqual(stats["open_streams"], 0)


class GoawayTest(unittest.TestCase):
    def test_goaway_mid_run_loses_no_stream_that_had_not_started(self):
        # Each connection takes two streams, then says GOAWAY: the streams above its last id are
        # refused unprocessed and must be sent again on a new connection, not lost, not failed.
        with FakeGemini("paced", extra_args=["--delay-ms", "100", "--goaway-after", "2"]) as fake, \
                Chatrelay(fake=fake, env=H2) as relay:
            self.assertEqual(chats_at_once(relay, 6), ["complete"] * 6)
            stats = fake.stats()
            self.assertEqual(stats["requests"], 6)  # each answered once: none lost, none doubled
            self.assertGreaterEqual(stats["h2_connections"], 3)
            self.assertGreater(relay.metric("chatrelay_upstream_h2_refused_total"), 0)
            self.assertEqual(relay.metric("chatrelay_upstream_retries_total"), 0)  # refusals are not retries
            # And the next one still works, on a new connection.
            self.assertEqual(relay.chat([user("after")])[2][-1]["type"], "complete")


class FlowControlTest(unittest.TestCase):
    def test_a_slow_reader_is_held_by_its_own_window_and_its_neighbour_runs(self):
        # flood: 64 KiB events forever. Its client reads nothing, so chatrelay's writes stall and
        # the stream's window stays shut: Gemini (the fake) must wait, and chatrelay must not
        # buffer the flood. Another stream on the same connection completes meanwhile.
        with FakeGemini("normal") as fake, \
                Chatrelay(fake=fake, env={**H2, "LOG_LEVEL": "warn"},
                          args=["--set", "server.write_timeout_s=30"]) as relay:
            self.assertEqual(relay.chat([user("warm up")])[2][-1]["type"], "complete")
            rss_before = rss_kib(relay.proc.pid)
            fake.set_scenarios(["flood"])
            slow = relay.open_unread_stream([user("flood me")])
            try:
                self.assertTrue(wait_until(lambda: fake.stats()["open_streams"] == 1, 10))
                time.sleep(2)  # the flood runs against the shut window: nothing must pile up
                started = time.monotonic()
                self.assertEqual(relay.chat([user("neighbour")])[2][-1]["type"], "complete")
                self.assertLess(time.monotonic() - started, 5)
                stats = fake.stats()
                self.assertEqual(stats["open_streams"], 1)  # the flood is still held, not ended
                self.assertEqual(stats["h2_connections"], 1)  # and shares the connection
                grown = rss_kib(relay.proc.pid) - rss_before
                # Unbounded (stream windows opened as bytes arrive), the flood was 85 MiB by now in
                # a release build; the stream's window (256 KiB) and the socket buffers bound it.
                # (ASan's quarantine and shadow memory make RSS meaningless there.)
                if not SANITIZED:
                    self.assertLess(grown, 16 * 1024, "RSS grew %d KiB" % grown)
            finally:
                slow.close()
            # Its client gone, the flood ends (its connection, idle after a reset, closes with it).
            self.assertTrue(wait_until(lambda: fake.stats()["open_streams"] == 0, 10), fake.stats())


class BurstTest(unittest.TestCase):
    LIMIT = 2

    def test_a_burst_never_runs_more_handshakes_than_the_limit(self):
        # HTTP/1.1: one connection per stream, so twenty new connections, two handshakes at a time.
        with FakeGemini("paced", extra_args=["--delay-ms", "50"]) as fake, \
                Chatrelay(fake=fake, env={"CHATRELAY_GEMINI_HTTP2": "false",
                                          "CHATRELAY_GEMINI_MAX_HANDSHAKES": str(self.LIMIT)}) as relay:
            self.assertEqual(chats_at_once(relay, 20), ["complete"] * 20)
            self.assertEqual(fake.stats()["requests"], 20)
            self.assertEqual(relay.metric("chatrelay_upstream_connections_opened_total"), 20)
            self.assertLessEqual(relay.metric("chatrelay_upstream_handshakes_peak"), self.LIMIT)
            self.assertGreater(relay.metric("chatrelay_upstream_handshake_waits_total"), 0)
            self.assertEqual(relay.metric("chatrelay_upstream_handshakes_active"), 0)

    def test_an_h2_burst_mostly_opens_no_connection(self):
        with FakeGemini("paced", extra_args=["--delay-ms", "50"]) as fake, \
                Chatrelay(fake=fake, env=H2) as relay:
            self.assertEqual(chats_at_once(relay, 20), ["complete"] * 20)
            self.assertEqual(fake.stats()["h2_connections"], 1)  # the first stream's; the rest waited for it


class RefusedH2Test(unittest.TestCase):
    def test_a_server_that_refuses_h2_gets_http1(self):
        with FakeGemini("normal", extra_args=["--http2", "off"]) as fake, \
                Chatrelay(fake=fake, env=H2) as relay:
            self.assertEqual(chats_at_once(relay, 3), ["complete"] * 3)
            self.assertEqual(relay.chat([user("again")])[2][-1]["type"], "complete")
            stats = fake.stats()
            self.assertEqual(stats["h2_connections"], 0)
            self.assertEqual(stats["requests"], 4)
            self.assertEqual(relay.metric("chatrelay_upstream_h2_connections"), 0)

    def test_gemini_http2_false_never_offers_h2(self):
        with FakeGemini("normal") as fake, \
                Chatrelay(fake=fake, env={"CHATRELAY_GEMINI_HTTP2": "false"}) as relay:
            self.assertEqual(relay.chat([user("hi")])[2][-1]["type"], "complete")
            self.assertEqual(fake.stats()["h2_connections"], 0)


if __name__ == "__main__":
    unittest.main()
