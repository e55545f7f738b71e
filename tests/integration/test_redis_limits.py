"""Per-address limits shared by instances on one Redis (DESIGN.md §3, §4): server.ip_rate_per_s /
ip_burst and server.max_streams_per_ip hold across two instances, the refusals are the same 429s
as one instance's, a killed instance's stream slot expires after memory.redis_lease_s, and a Redis
that does not answer leaves each instance its own limits (fail open, counted in /metrics)."""
import json
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake import FakeGemini  # noqa: E402
from harness import Chatrelay, user, wait_until  # noqa: E402
import redis_server  # noqa: E402


def redis_env(redis, **extra):
    env = {"CHATRELAY_MEMORY_STORE": "redis", "REDIS_URL": redis.url, "CHATRELAY_MEMORY_REDIS_PREFIX": "cr:"}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def held_stream(relay, path="/api/chat/stream"):
    """A chat stream opened on its own socket and left open (the caller closes it)."""
    body = json.dumps({"messages": [user("hold")]}).encode()
    s = socket.create_connection(("127.0.0.1", relay.port))
    s.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n%s" % (path.encode(), len(body), body))
    return s


def raw_request(relay, head):
    """The raw answer to `head` (a request without a body), read until the connection closes."""
    return relay.raw(head.encode() + b"Connection: close\r\n\r\n", timeout=5)


@unittest.skipUnless(redis_server.available(), "no /usr/bin/redis-server")
class SharedRate(unittest.TestCase):
    def test_two_instances_together_allow_the_burst_once(self):
        with redis_server.RedisServer() as redis:
            env = redis_env(redis, CHATRELAY_SERVER_IP_RATE_PER_S=0.1, CHATRELAY_SERVER_IP_BURST=3)
            with Chatrelay(env=env) as a, Chatrelay(env=env) as b:
                start = time.monotonic()
                statuses = [relay.request("GET", "/openapi.json")[0] for _ in range(4) for relay in (a, b)]
                elapsed = time.monotonic() - start
                allowed = statuses.count(200)
                # The burst, and what the rate refilled meanwhile: not 3 per instance.
                self.assertLessEqual(allowed, 3 + int(0.1 * elapsed), statuses)
                self.assertGreaterEqual(allowed, 3, statuses)
                self.assertEqual(statuses.count(429), len(statuses) - allowed, statuses)
                # The refusal is the one an instance's own limit gives: per route family, with
                # Retry-After, the request id and the CORS headers once.
                answer = raw_request(b, "GET /v1/models HTTP/1.1\r\nHost: x\r\nOrigin: http://localhost:5173\r\n"
                                        "X-Request-Id: shared-rate-1\r\n")
                head, _, body = answer.partition(b"\r\n\r\n")
                self.assertTrue(head.startswith(b"HTTP/1.1 429"), head)
                self.assertEqual(json.loads(body)["error"]["code"], "rate_limit_exceeded")
                lower = head.lower()
                self.assertIn(b"\r\nretry-after: ", lower)
                self.assertIn(b"\r\nx-request-id: shared-rate-1", lower)
                self.assertEqual(lower.count(b"\r\naccess-control-allow-origin: "), 1)
                status, _, body = a.request("GET", "/openapi.json")
                self.assertEqual((status, json.loads(body)["detail"][:8]), (429, "Too many"))
                # /health is not counted, here as on one instance.
                self.assertEqual(a.request("GET", "/health")[0], 200)
                key = b"cr:rate:ip:127.0.0.1"
                self.assertIn(key, redis.command("KEYS", "cr:*"))
                self.assertGreater(redis.command("PTTL", key), 0)

    def test_a_redis_that_does_not_answer_leaves_each_instance_its_own_rate(self):
        with redis_server.RedisServer() as redis:
            env = redis_env(redis, CHATRELAY_SERVER_IP_RATE_PER_S=0.1, CHATRELAY_SERVER_IP_BURST=3)
            with Chatrelay(env=env) as a:
                redis.kill()
                self.assertEqual([a.request("GET", "/openapi.json")[0] for _ in range(2)], [200, 200])
                # The third request of the burst: the metrics page, which counts itself too.
                self.assertGreaterEqual(a.metric("chatrelay_shared_limit_failures_total"), 3)
                self.assertEqual(a.request("GET", "/openapi.json")[0], 429)  # the in-process limit holds
                self.assertIn("per-address limits hold in this instance only", a.log_text())


@unittest.skipUnless(redis_server.available(), "no /usr/bin/redis-server")
class SharedStreams(unittest.TestCase):
    def test_a_stream_held_on_one_instance_counts_on_the_other(self):
        with redis_server.RedisServer() as redis, FakeGemini(scenario="stall") as fake:
            env = redis_env(redis, CHATRELAY_SERVER_MAX_STREAMS_PER_IP=1)
            with Chatrelay(fake=fake, env=env) as a, Chatrelay(fake=fake, env=env) as b:
                held = held_stream(a)
                try:
                    self.assertTrue(wait_until(lambda: fake.stats()["open_streams"] == 1, 5))
                    status, headers, body = b.chat([user("second")])
                    self.assertEqual((status, headers.get("retry-after")), (429, "1"), body)
                    self.assertIn("concurrent streams", body["detail"])
                    status, _, body = b.request("POST", "/v1/chat/completions",
                                                body={"model": "gemini-2.5-flash", "messages": [user("v1")]})
                    self.assertEqual((status, json.loads(body)["error"]["code"]), (429, "rate_limit_exceeded"))
                    key = b"cr:streams:ip:127.0.0.1"
                    self.assertEqual(redis.command("ZCARD", key), 1)
                    self.assertGreater(redis.command("PTTL", key), 0)
                finally:
                    held.close()
                self.assertTrue(wait_until(lambda: redis.command("EXISTS", key) == 0, 5))
                fake.set_scenarios(["normal"])
                status, _, chunks = b.chat([user("now")])
                self.assertEqual((status, chunks[-1]["type"]), (200, "complete"))
                # Given back after the answer, without the client waiting for it.
                self.assertTrue(wait_until(lambda: redis.command("EXISTS", key) == 0, 5))

    def test_a_killed_instance_slot_expires_after_the_lease(self):
        lease = 2
        with redis_server.RedisServer() as redis, FakeGemini(scenario="stall") as fake:
            env = redis_env(redis, CHATRELAY_SERVER_MAX_STREAMS_PER_IP=1, CHATRELAY_MEMORY_REDIS_LEASE_S=lease)
            with Chatrelay(fake=fake, env=env) as a, Chatrelay(fake=fake, env=env) as b:
                key = b"cr:streams:ip:127.0.0.1"
                held = held_stream(a)
                try:
                    self.assertTrue(wait_until(lambda: redis.command("ZCARD", key) == 1, 5))
                    member, first = redis.command("ZRANGE", key, 0, -1, "WITHSCORES")
                    # Renewed while it streams: past its first expiry, it is still there.
                    self.assertTrue(wait_until(
                        lambda: float((redis.command("ZSCORE", key, member) or b"0")) > float(first) + lease * 1000,
                        lease * 3))
                    self.assertEqual(b.chat([user("refused")])[0], 429)
                    a.proc.kill()  # kill -9: nothing gives the slot back
                    a.proc.wait(5)
                    killed = time.monotonic()
                    self.assertEqual(b.chat([user("still refused")])[0], 429)
                    fake.set_scenarios(["normal"])
                    self.assertTrue(wait_until(lambda: b.chat([user("now")])[0] == 200, lease * 5, interval=0.1))
                    self.assertLess(time.monotonic() - killed, lease * 5)
                finally:
                    held.close()


if __name__ == "__main__":
    unittest.main()
