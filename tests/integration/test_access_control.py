"""Opt-in inbound access control: bearer tokens, per-IP and per-session rate limits, and a cap on
concurrent streams per IP."""
import json
import socket
import unittest

from fake import FakeGemini
from harness import Chatrelay, user, wait_until

TOKEN = "tok-0123456789abcdef-secret"


class AuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = FakeGemini()
        cls.relay = Chatrelay(fake=cls.fake, env={"CHATRELAY_SERVER_AUTH_TOKENS": json.dumps([TOKEN, "x" * 20])})

    @classmethod
    def tearDownClass(cls):
        cls.relay.stop()
        cls.fake.stop()

    def test_health_stays_open(self):
        self.assertEqual(self.relay.request("GET", "/health")[0], 200)

    def test_missing_or_wrong_token_is_401(self):
        body = {"messages": [user("hi")]}
        status, headers, raw = self.relay.request("POST", "/api/chat/stream", body=body)
        self.assertEqual(status, 401)
        self.assertEqual(headers["www-authenticate"], "Bearer")
        self.assertEqual(json.loads(raw), {"detail": "Not authenticated"})
        status, headers, _ = self.relay.request("POST", "/api/chat/stream", body=body,
                                                headers={"Authorization": "Bearer " + TOKEN[:-1]})
        self.assertEqual(status, 401)
        self.assertIn("invalid_token", headers["www-authenticate"])
        self.assertEqual(self.relay.request("GET", "/openapi.json")[0], 401)

    def test_right_token_streams(self):
        status, _, raw = self.relay.request("POST", "/api/chat/stream", body={"messages": [user("hi")]},
                                            headers={"Authorization": "Bearer " + TOKEN})
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(raw.decode().splitlines()[-1])["type"], "complete")
        status, _, _ = self.relay.request("GET", "/openapi.json", headers={"authorization": "bearer " + "x" * 20})
        self.assertEqual(status, 200)

    def test_preflight_needs_no_token(self):
        status, headers, _ = self.relay.request("OPTIONS", "/api/chat/stream", headers={
            "Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"})
        self.assertEqual(status, 200)

    def test_tokens_never_logged_or_shown(self):
        self.relay.request("GET", "/health", headers={"Authorization": "Bearer " + TOKEN})
        self.assertNotIn(TOKEN, self.relay.log_text())


class RateLimitTest(unittest.TestCase):
    def test_per_ip_rate(self):
        with Chatrelay(env={"CHATRELAY_SERVER_IP_RATE_PER_S": "0.5", "CHATRELAY_SERVER_IP_BURST": "3"}) as relay:
            statuses = [relay.request("GET", "/openapi.json")[0] for _ in range(3)]
            self.assertEqual(statuses, [200, 200, 200])
            status, headers, body = relay.request("GET", "/openapi.json")
            self.assertEqual(status, 429)
            self.assertEqual(headers["retry-after"], "2")
            self.assertIn("detail", json.loads(body))
            self.assertEqual(relay.request("GET", "/health")[0], 200)  # probes are never limited

    def test_refusals_and_preflights_count_too(self):
        # Neither a wrong token nor a preflight may be a way around the per-address limit.
        env = {"CHATRELAY_SERVER_IP_RATE_PER_S": "0.01", "CHATRELAY_SERVER_IP_BURST": "3",
               "CHATRELAY_SERVER_AUTH_TOKENS": json.dumps([TOKEN])}
        with Chatrelay(env=env) as relay:
            statuses = [relay.request("GET", "/openapi.json")[0] for _ in range(4)]
            self.assertEqual(statuses, [401, 401, 401, 429])
            self.assertEqual(relay.request("GET", "/health")[0], 200)
        with Chatrelay(env=env) as relay:
            preflight = {"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"}
            statuses = [relay.request("OPTIONS", "/api/chat/stream", headers=preflight)[0] for _ in range(4)]
            self.assertEqual(statuses, [200, 200, 200, 429])
            self.assertEqual(relay.request("GET", "/openapi.json", headers={"Authorization": "Bearer " + TOKEN})[0], 429)

    def test_per_session_rate(self):
        with FakeGemini() as fake, Chatrelay(fake=fake, env={"CHATRELAY_SERVER_SESSION_RATE_PER_S": "0.2",
                                                             "CHATRELAY_SERVER_SESSION_BURST": "1"}) as relay:
            status, _, chunks = relay.chat([user("one")], session_id="rate-s1")
            self.assertEqual(chunks[-1]["type"], "complete")
            status, headers, body = relay.chat([user("two")], session_id="rate-s1")
            self.assertEqual(status, 429)
            self.assertEqual(headers["retry-after"], "5")
            status, _, chunks = relay.chat([user("other")], session_id="rate-s2")
            self.assertEqual(status, 200)


class StreamCapTest(unittest.TestCase):
    def test_concurrent_streams_per_ip(self):
        with FakeGemini(scenario="stall") as fake, \
                Chatrelay(fake=fake, env={"CHATRELAY_SERVER_MAX_STREAMS_PER_IP": "2"}) as relay:
            body = json.dumps({"messages": [user("hi")]}).encode()
            request = (b"POST /api/chat/stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            held = []
            for _ in range(2):
                s = socket.create_connection(("127.0.0.1", relay.port))
                s.sendall(request)
                held.append(s)
            self.assertTrue(wait_until(lambda: fake.stats()["open_streams"] == 2, 3))
            status, headers, _ = relay.request("POST", "/api/chat/stream", body={"messages": [user("3rd")]})
            self.assertEqual(status, 429)
            self.assertEqual(headers["retry-after"], "1")
            held.pop().close()
            self.assertTrue(wait_until(lambda: fake.stats()["open_streams"] == 1, 3))
            fake.set_scenarios(["normal"])
            status, _, chunks = relay.chat([user("now")])
            self.assertEqual(status, 200)
            for s in held:
                s.close()


if __name__ == "__main__":
    unittest.main()
