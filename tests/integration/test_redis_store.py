"""memory.store = "redis" (DESIGN.md §2, §3, §4) against a real redis-server started here: sessions
shared by instances and kept across restarts, one 200 and one 409 for a race across instances,
history_unavailable while Redis is down or stuck and recovery without a restart, a wrong password
refused at start, a TTL on every key, the session rate limit shared by instances, and /ready."""
import os
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake import FakeGemini  # noqa: E402
from harness import CHATRELAY_BIN, Chatrelay, TEST_KEY, user, wait_until  # noqa: E402
import redis_server  # noqa: E402


def redis_env(redis, **extra):
    env = {"CHATRELAY_MEMORY_STORE": "redis", "REDIS_URL": redis.url, "CHATRELAY_MEMORY_REDIS_PREFIX": "cr:"}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def final(chunks):
    return chunks[-1]


@unittest.skipUnless(redis_server.available(), "no /usr/bin/redis-server")
class SharedSessions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = FakeGemini()
        cls.redis = redis_server.RedisServer()

    @classmethod
    def tearDownClass(cls):
        cls.redis.stop()
        cls.fake.stop()

    def test_a_turn_on_one_instance_is_history_on_another_and_after_a_restart(self):
        with Chatrelay(fake=self.fake, env=redis_env(self.redis)) as a, \
             Chatrelay(fake=self.fake, env=redis_env(self.redis)) as b:
            status, _, chunks = a.chat([user("first question")], session_id="shared-1")
            self.assertEqual((status, final(chunks)["type"]), (200, "complete"))
            status, _, chunks = b.chat([user("second question")], session_id="shared-1")
            self.assertEqual((status, final(chunks)["type"]), (200, "complete"))
            contents = self.fake.requests()[-1]["body"]["contents"]
            self.assertEqual([c["role"] for c in contents], ["user", "model", "user"])
            self.assertEqual(contents[0]["parts"][0]["text"], "first question")
            self.assertEqual(contents[2]["parts"][0]["text"], "second question")
            # SIGTERM: the Redis connection does not keep the process (its loop) alive.
            self.assertEqual(a.terminate(timeout=10), 0)
        # Both instances gone: a new one has the whole conversation.
        with Chatrelay(fake=self.fake, env=redis_env(self.redis)) as c:
            status, _, body = c.request("GET", "/api/sessions/shared-1")
            self.assertEqual(status, 200)
            import json
            messages = json.loads(body)["messages"]
            self.assertEqual([m["role"] for m in messages], ["user", "assistant", "user", "assistant"])
            self.assertEqual(c.request("DELETE", "/api/sessions/shared-1")[0], 204)
            self.assertEqual(c.request("GET", "/api/sessions/shared-1")[0], 404)

    def test_every_key_has_a_ttl(self):
        env = redis_env(self.redis, CHATRELAY_SERVER_SESSION_RATE_PER_S=5, CHATRELAY_MEMORY_SESSION_TTL_S=600)
        with Chatrelay(fake=self.fake, env=env) as a:
            self.assertEqual(final(a.chat([user("hi")], session_id="ttl-1")[2])["type"], "complete")
            keys = self.redis.command("KEYS", "cr:*")
            self.assertIn(b"cr:s:ttl-1", keys)
            self.assertIn(b"cr:rate:session:ttl-1", keys)
            for key in keys:
                ttl = self.redis.command("PTTL", key)
                self.assertGreater(ttl, 0, key)
            self.assertGreater(self.redis.command("PTTL", b"cr:s:ttl-1"), 590000)
            # Each Redis call of the turn is timed in /metrics.
            self.assertGreaterEqual(a.metric("chatrelay_store_call_duration_seconds_count"), 3)
            self.assertEqual(a.metric("chatrelay_store_up"), 1)

    def test_the_session_rate_limit_holds_across_instances(self):
        env = redis_env(self.redis, CHATRELAY_SERVER_SESSION_RATE_PER_S=0.2, CHATRELAY_SERVER_SESSION_BURST=1)
        with Chatrelay(fake=self.fake, env=env) as a, Chatrelay(fake=self.fake, env=env) as b:
            self.assertEqual(a.chat([user("one")], session_id="rate-1")[0], 200)
            status, headers, _ = b.chat([user("two")], session_id="rate-1")
            self.assertEqual(status, 429)
            self.assertIn("retry-after", headers)
            self.assertEqual(b.chat([user("other session")], session_id="rate-2")[0], 200)

    def test_ready_reports_the_store(self):
        with Chatrelay(fake=self.fake, env=redis_env(self.redis)) as a:
            status, _, body = a.request("GET", "/ready")
            self.assertEqual((status, body), (200, b'{"status":"ready","store":"redis"}'))
        with Chatrelay(fake=self.fake) as m:
            self.assertEqual(m.request("GET", "/ready")[:3:2], (200, b'{"status":"ready","store":"memory"}'))


@unittest.skipUnless(redis_server.available(), "no /usr/bin/redis-server")
class RaceAndFaults(unittest.TestCase):
    """A slow fake (each event 150 ms apart), so that a turn is still streaming when asked."""

    @classmethod
    def setUpClass(cls):
        cls.fake = FakeGemini(extra_args=("--delay-ms", "150"))

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    def test_two_instances_racing_on_one_session_give_one_200_and_one_409(self):
        with redis_server.RedisServer() as redis, \
             Chatrelay(fake=self.fake, env=redis_env(redis)) as a, \
             Chatrelay(fake=self.fake, env=redis_env(redis)) as b:
            results = {}
            start = threading.Barrier(2)

            def turn(name, relay):
                start.wait()
                results[name] = relay.chat([user("race")], session_id="race-1")

            threads = [threading.Thread(target=turn, args=(n, r)) for n, r in (("a", a), ("b", b))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            statuses = sorted(r[0] for r in results.values())
            self.assertEqual(statuses, [200, 409])
            winner = next(r for r in results.values() if r[0] == 200)
            self.assertEqual(final(winner[2])["type"], "complete")
            # The lease went with the commit: the next turn is not refused.
            self.assertEqual(b.chat([user("after")], session_id="race-1")[0], 200)

    def test_redis_killed_mid_turn_gives_history_unavailable_and_a_restart_recovers(self):
        with redis_server.RedisServer() as redis, \
             Chatrelay(fake=self.fake, env=redis_env(redis, CHATRELAY_MEMORY_REDIS_TIMEOUT_S=1)) as a:
            result = {}
            t = threading.Thread(target=lambda: result.update(r=a.chat([user("q")], session_id="kill-1")))
            t.start()
            self.assertTrue(wait_until(lambda: a.metric("chatrelay_chat_streams_active") == 1, timeout=10))
            redis.kill()
            t.join(30)
            status, _, chunks = result["r"]
            self.assertEqual(status, 200)
            self.assertEqual(final(chunks)["type"], "error")
            self.assertEqual(final(chunks)["code"], "history_unavailable")
            # The reason is on the log line of the same request (stderr is read by another thread).
            self.assertTrue(wait_until(lambda: "session store unavailable" in a.log_text(), timeout=5))
            # While Redis is down: /health stays up, /ready does not, a turn says why at once.
            self.assertEqual(a.request("GET", "/health")[0], 200)
            self.assertEqual(a.request("GET", "/ready")[0], 503)
            self.assertEqual(final(a.chat([user("q")], session_id="kill-1")[2])["code"], "history_unavailable")
            self.assertGreater(a.metric("chatrelay_store_errors_total"), 0)
            redis.start()
            self.assertTrue(wait_until(lambda: a.request("GET", "/ready")[0] == 200, timeout=10))
            status, _, chunks = a.chat([user("again")], session_id="kill-1")
            self.assertEqual((status, final(chunks)["type"]), (200, "complete"))
            # Nothing of the failed turn was written: the history is the one turn that completed.
            self.assertEqual(len(self.fake.requests()[-1]["body"]["contents"]), 1)

    def test_a_redis_slower_than_the_timeout_ends_the_turn_cleanly(self):
        with redis_server.RedisServer() as redis, \
             Chatrelay(fake=self.fake, env=redis_env(redis, CHATRELAY_MEMORY_REDIS_TIMEOUT_S=0.3)) as a:
            self.assertEqual(a.request("GET", "/ready")[0], 200)
            sleeper = threading.Thread(target=lambda: redis.command("DEBUG", "SLEEP", "2", timeout=10))
            sleeper.start()
            time.sleep(0.1)  # the DEBUG SLEEP has reached Redis (a wait-until cannot see inside it)
            begun = time.monotonic()
            status, _, chunks = a.chat([user("q")], session_id="slow-1", timeout=15)
            self.assertLess(time.monotonic() - begun, 1.9)  # the timeout, not the sleep, ended it
            self.assertEqual(status, 200)
            self.assertEqual(final(chunks)["code"], "history_unavailable")
            sleeper.join(10)
            self.assertTrue(wait_until(lambda: a.request("GET", "/ready")[0] == 200, timeout=10))
            # The lease the timed-out SET took once Redis woke up is given back, not left to expire.
            self.assertTrue(wait_until(lambda: not redis.command("KEYS", "cr:lock:*"), timeout=5))
            self.assertEqual(final(a.chat([user("q")], session_id="slow-1")[2])["type"], "complete")


    def test_a_client_gone_while_its_lease_is_taken_leaves_the_session_free(self):
        with redis_server.RedisServer() as redis, \
             Chatrelay(fake=self.fake, env=redis_env(redis, CHATRELAY_MEMORY_REDIS_TIMEOUT_S=5)) as a:
            sleeper = threading.Thread(target=lambda: redis.command("DEBUG", "SLEEP", "1", timeout=10))
            sleeper.start()
            time.sleep(0.1)  # the DEBUG SLEEP has reached Redis
            body = b'{"messages":[{"role":"user","content":"q"}],"session_id":"gone-1"}'
            with socket.create_connection(("127.0.0.1", a.port)) as s:
                s.sendall(b"POST /api/chat/stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                time.sleep(0.3)  # its SET NX waits behind the sleep; the client leaves
            sleeper.join(10)
            # Redis applies the SET when it wakes; the lease is given back, not left for 15 s.
            self.assertTrue(wait_until(lambda: not redis.command("KEYS", "cr:lock:*"), timeout=5))
            self.assertEqual(final(a.chat([user("q")], session_id="gone-1")[2])["type"], "complete")

@unittest.skipUnless(redis_server.available(), "no /usr/bin/redis-server")
class StartUp(unittest.TestCase):
    def test_a_wrong_password_stops_the_start_with_exit_2(self):
        with redis_server.RedisServer(password="right-password-123") as redis:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("GEMINI_", "CHATRELAY_"))}
            env.update({"HOST": "127.0.0.1", "PORT": "0", "GEMINI_API_KEY": TEST_KEY,
                        "CHATRELAY_MEMORY_STORE": "redis",
                        "REDIS_URL": f"redis://:wrong-password-456@127.0.0.1:{redis.port}/0"})
            proc = subprocess.run([CHATRELAY_BIN], env=env, capture_output=True, text=True, timeout=30)
            self.assertEqual(proc.returncode, 2, proc.stderr)
            self.assertIn("refused the user and password of memory.redis_url", proc.stderr)
            self.assertIn(f"redis://:***@127.0.0.1:{redis.port}/0", proc.stderr)
            self.assertNotIn("wrong-password-456", proc.stderr + proc.stdout)
            self.assertNotIn("listening", proc.stdout)


@unittest.skipUnless(redis_server.available(), "no /usr/bin/redis-server")
class Tls(unittest.TestCase):
    """rediss:// against redis-server's own TLS listener, with the fake Gemini's test CA."""

    def test_a_turn_over_rediss_and_a_wrong_ca_stops_the_start(self):
        with FakeGemini() as fake, FakeGemini() as other:
            with redis_server.RedisServer(password="tls-pass-123", tls=os.path.dirname(fake.ca)) as redis:
                env = {"CHATRELAY_MEMORY_STORE": "redis", "REDIS_URL": redis.tls_url, "REDIS_CA_FILE": fake.ca,
                       "CHATRELAY_MEMORY_REDIS_PREFIX": "cr:"}
                with Chatrelay(fake=fake, env=env) as a:
                    status, _, chunks = a.chat([user("over tls")], session_id="tls-1")
                    self.assertEqual((status, final(chunks)["type"]), (200, "complete"))
                    self.assertEqual(a.request("GET", "/ready")[0], 200)
                    # A restarted Redis: a new connection, with a new TLS handshake.
                    redis.kill()
                    redis.start()
                    self.assertTrue(wait_until(lambda: a.request("GET", "/ready")[0] == 200, 10, interval=0.05))
                    status, _, chunks = a.chat([user("again")], session_id="tls-2")
                    self.assertEqual((status, final(chunks)["type"]), (200, "complete"))
                self.assertIsNotNone(redis.command("GET", "cr:s:tls-2"))
                # Another CA: the certificate fails verification, a configuration error.
                proc_env = {k: v for k, v in os.environ.items() if not k.startswith(("GEMINI_", "CHATRELAY_", "REDIS_"))}
                proc_env.update({"HOST": "127.0.0.1", "PORT": "0", "GEMINI_API_KEY": TEST_KEY, **env,
                                 "REDIS_CA_FILE": other.ca})
                proc = subprocess.run([CHATRELAY_BIN], env=proc_env, capture_output=True, text=True, timeout=30)
                self.assertEqual(proc.returncode, 2, proc.stderr)
                self.assertIn("cannot verify the Redis server's certificate", proc.stderr)
                self.assertIn("memory.redis_ca_file", proc.stderr)
                self.assertIn(f"rediss://:***@127.0.0.1:{redis.tls_port}/0", proc.stderr)
                self.assertNotIn("tls-pass-123", proc.stderr + proc.stdout)


class ReusePort(unittest.TestCase):
    def test_two_instances_share_one_port_with_reuse_port_only(self):
        port = redis_server.free_port()
        shared = {"PORT": str(port), "CHATRELAY_SERVER_REUSE_PORT": "true"}
        with Chatrelay(env=shared) as a, Chatrelay(env=shared) as b:
            self.assertEqual((a.port, b.port), (port, port))
            for _ in range(40):  # each on a new connection: the kernel spreads them over both
                self.assertEqual(a.request("GET", "/health")[0], 200)
            label = '{route="/health",status="200"}'

            def served():
                return [r.metric("chatrelay_http_requests_total", label) or 0 for r in (a, b)]
            # A request is counted once its answer is written: the last ones may still be on their way.
            self.assertTrue(wait_until(lambda: sum(served()) == 40, timeout=5), served())
            self.assertTrue(all(n > 0 for n in served()), served())
            a.terminate()
            # The other one goes on serving the port alone.
            self.assertEqual(b.request("GET", "/health")[0], 200)
        with Chatrelay(env={"PORT": str(port)}):
            env = {k: v for k, v in os.environ.items() if not k.startswith(("GEMINI_", "CHATRELAY_"))}
            env.update({"HOST": "127.0.0.1", "PORT": str(port)})
            proc = subprocess.run([CHATRELAY_BIN], env=env, capture_output=True, text=True, timeout=30)
            self.assertEqual(proc.returncode, 1)
            self.assertIn("cannot listen", proc.stderr)


if __name__ == "__main__":
    unittest.main()
