"""Stored conversations (DESIGN.md §1 "Sessions"): GET and DELETE /api/sessions/{id}, sessions
scoped to the bearer token that made them, and a turn's commit before its complete chunk."""
import datetime
import json
import socket
import time
import unittest

from harness import FakeAndRelay, user, wait_until


def sid(prefix):
    return f"{prefix}-{time.monotonic_ns()}"


class SessionsApiTest(FakeAndRelay, unittest.TestCase):
    def setUp(self):
        self.fake.clear_scenarios()

    def get(self, session_id, relay=None, headers=None):
        status, hdrs, raw = (relay or self.relay).request("GET", "/api/sessions/" + session_id, headers=headers)
        return status, hdrs, json.loads(raw) if raw else None

    def delete(self, session_id, relay=None, headers=None):
        status, hdrs, raw = (relay or self.relay).request("DELETE", "/api/sessions/" + session_id, headers=headers)
        return status, hdrs, raw

    def test_get_returns_the_stored_turns(self):
        s = sid("get")
        before = datetime.datetime.now(datetime.timezone.utc)
        _, _, chunks = self.relay.chat([user("first question")], session_id=s)
        reply = chunks[-1]["content"]
        status, headers, body = self.get(s)
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(list(body), ["session_id", "messages", "updated_at"])
        self.assertEqual(body["session_id"], s)
        self.assertEqual(body["messages"], [{"role": "user", "content": "first question"},
                                            {"role": "assistant", "content": reply}])
        # RFC 3339, UTC, milliseconds: "2025-05-01T12:34:56.789Z".
        self.assertRegex(body["updated_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        updated = datetime.datetime.fromisoformat(body["updated_at"].replace("Z", "+00:00"))
        self.assertLessEqual(before - datetime.timedelta(seconds=1), updated)
        self.assertLessEqual(updated, datetime.datetime.now(datetime.timezone.utc))
        # Reading changes nothing; a new turn moves updated_at.
        time.sleep(0.01)
        self.assertEqual(self.get(s)[2]["updated_at"], body["updated_at"])
        self.relay.chat([user("second")], session_id=s)
        later = self.get(s)[2]
        self.assertEqual(len(later["messages"]), 4)
        self.assertGreater(later["updated_at"], body["updated_at"])

    def test_unknown_session_is_404(self):
        status, _, body = self.get(sid("never"))
        self.assertEqual(status, 404)
        self.assertEqual(body, {"detail": "Session not found"})

    def test_invalid_ids_are_422_like_fastapi_path_parameters(self):
        status, _, body = self.get("bad!id")
        self.assertEqual(status, 422)
        self.assertEqual(body["detail"][0]["loc"], ["path", "session_id"])
        self.assertEqual(body["detail"][0]["type"], "string_pattern_mismatch")
        status, _, body = self.get("a" * 129)
        self.assertEqual(status, 422)
        self.assertEqual(body["detail"][0]["type"], "string_too_long")
        status, _, _ = self.delete("a%20b")
        self.assertEqual(status, 422)
        # Percent-encoding is decoded first, as FastAPI's router sees the path.
        s = sid("pct")
        self.relay.chat([user("q")], session_id=s)
        self.assertEqual(self.get(s.replace("-", "%2D"))[0], 200)

    def test_delete_forgets_the_session(self):
        s = sid("del")
        self.relay.chat([user("remember this")], session_id=s)
        status, headers, raw = self.delete(s)
        self.assertEqual(status, 204)
        self.assertEqual(raw, b"")
        self.assertNotIn("content-length", headers)
        self.assertEqual(self.get(s)[0], 404)
        self.assertEqual(self.delete(s)[0], 404)
        # The next turn starts with an empty history.
        self.relay.chat([user("new start")], session_id=s)
        self.assertEqual(len(self.fake.requests()[-1]["body"]["contents"]), 1)

    def test_delete_while_streaming_is_409(self):
        s = sid("busy")
        self.relay.chat([user("first")], session_id=s)
        self.fake.set_scenarios(["stall"])
        conn = self.relay.connection(timeout=10)
        conn.request("POST", "/api/chat/stream", body=json.dumps({"session_id": s, "messages": [user("a")]}),
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        r.readline()  # streaming now
        status, _, raw = self.delete(s)
        self.assertEqual(status, 409)
        self.assertIn("streaming", json.loads(raw)["detail"])
        self.assertEqual(self.get(s)[0], 200)  # reading is fine meanwhile
        conn.close()
        self.assertTrue(wait_until(lambda: self.delete(s)[0] == 204, 5))

    def test_next_turn_sent_the_moment_complete_arrives_sees_the_history(self):
        # A 6 MiB answer: its complete chunk is larger than the socket buffers (at most 4 MiB on the
        # server's side), so while this client stops reading right after the chunk begins, the server
        # is still writing it. The turn must be
        # committed, and the session free, before that chunk, not once it has been written.
        s = sid("fast")
        self.fake.set_scenarios(["large", "normal"])
        sock = socket.socket()
        # A fixed receive buffer (no autotuning) far smaller than the chunk, big enough to read fast.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 128 * 1024)
        sock.connect(("127.0.0.1", self.relay.port))
        sock.settimeout(20)
        body = json.dumps({"session_id": s, "messages": [user("make it big")]}).encode()
        sock.sendall(b"POST /api/chat/stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        received = b""
        try:
            while b'{"type":"complete"' not in received:
                chunk = sock.recv(65536)
                self.assertTrue(chunk, "stream ended before its complete chunk")
                received += chunk
            # Turn 2 on another connection, at once.
            status, _, chunks = self.relay.chat([user("and now?")], session_id=s)
            self.assertEqual(status, 200, chunks)
            self.assertEqual(chunks[-1]["type"], "complete")
            sent = self.fake.requests()[-1]["body"]["contents"]
            self.assertEqual([c["role"] for c in sent], ["user", "model", "user"])
            self.assertEqual(len(sent[1]["parts"][0]["text"]), 6 << 20)
            while not received.endswith(b"0\r\n\r\n"):
                chunk = sock.recv(1 << 20)
                self.assertTrue(chunk)
                received += chunk
        finally:
            sock.close()

    def test_openapi_documents_the_contract(self):
        doc = json.loads(self.relay.request("GET", "/openapi.json")[2])
        route = doc["paths"]["/api/sessions/{session_id}"]
        self.assertEqual(sorted(route["get"]["responses"]), ["200", "404", "422"])
        self.assertEqual(sorted(route["delete"]["responses"]), ["204", "404", "409", "422"])
        schemas = doc["components"]["schemas"]
        self.assertEqual(schemas["Session"]["required"], ["session_id", "messages", "updated_at"])
        codes = schemas["ErrorChunk"]["properties"]["code"]["enum"]
        self.assertIn("empty_answer", codes)
        self.assertIn("shutting_down", codes)
        self.assertEqual(schemas["ChatRequest"]["properties"]["messages"]["maxItems"], 500)
        self.assertIn("system", schemas["ChatMessage"]["properties"]["role"]["enum"])
        self.assertNotIn("415", doc["paths"]["/api/chat/stream"]["post"]["responses"])

    def test_error_or_disconnect_commits_nothing(self):
        s = sid("nocommit")
        self.relay.chat([user("kept")], session_id=s)
        self.fake.set_scenarios(["raw-error"])
        self.relay.chat([user("failed")], session_id=s)
        self.fake.set_scenarios(["stall"])
        conn = self.relay.connection(timeout=10)
        conn.request("POST", "/api/chat/stream", body=json.dumps({"session_id": s, "messages": [user("gone")]}),
                     headers={"Content-Type": "application/json"})
        conn.getresponse().readline()
        conn.close()
        self.assertTrue(wait_until(lambda: self.fake.stats()["open_streams"] == 0, 3))
        messages = self.get(s)[2]["messages"]
        self.assertEqual([m["content"] for m in messages][::2], ["kept"])


class ScopedSessionsTest(FakeAndRelay, unittest.TestCase):
    """With server.auth_tokens, a session belongs to the token that made it."""

    TOKENS = ["alice-0123456789abcdef", "bob-0123456789abcdef00"]
    RELAY_ENV = {"CHATRELAY_SERVER_AUTH_TOKENS": json.dumps(TOKENS)}

    def auth(self, who):
        return {"Authorization": "Bearer " + self.TOKENS[who]}

    def chat(self, who, text, session_id):
        status, _, raw = self.relay.request("POST", "/api/chat/stream", headers=self.auth(who),
                                            body={"session_id": session_id, "messages": [user(text)]})
        return status, [json.loads(line) for line in raw.decode().splitlines() if line] if status == 200 else raw

    def test_another_token_sees_another_session(self):
        s = sid("shared")
        self.assertEqual(self.chat(0, "alice's secret", s)[1][-1]["type"], "complete")
        self.assertEqual(self.relay.request("GET", "/api/sessions/" + s, headers=self.auth(1))[0], 404)
        self.assertEqual(self.relay.request("DELETE", "/api/sessions/" + s, headers=self.auth(1))[0], 404)
        self.chat(1, "bob here", s)
        self.assertEqual(len(self.fake.requests()[-1]["body"]["contents"]), 1)  # bob's turn starts empty
        status, _, raw = self.relay.request("GET", "/api/sessions/" + s, headers=self.auth(0))
        self.assertEqual([m["content"] for m in json.loads(raw)["messages"]][0], "alice's secret")
        status, _, raw = self.relay.request("GET", "/api/sessions/" + s, headers=self.auth(1))
        self.assertEqual([m["content"] for m in json.loads(raw)["messages"]][0], "bob here")
        self.assertNotIn("alice", raw.decode())
        # Deleting bob's leaves alice's.
        self.assertEqual(self.relay.request("DELETE", "/api/sessions/" + s, headers=self.auth(1))[0], 204)
        self.assertEqual(self.relay.request("GET", "/api/sessions/" + s, headers=self.auth(0))[0], 200)
        self.assertEqual(self.relay.request("GET", "/api/sessions/" + s)[0], 401)

    def test_the_busy_mark_is_per_token(self):
        s = sid("busy")
        self.fake.set_scenarios(["stall"])
        conn = self.relay.connection(timeout=10)
        conn.request("POST", "/api/chat/stream", body=json.dumps({"session_id": s, "messages": [user("a")]}),
                     headers={"Content-Type": "application/json", **self.auth(0)})
        conn.getresponse().readline()
        try:
            self.assertEqual(self.chat(0, "again", s)[0], 409)
            status, chunks = self.chat(1, "mine", s)
            self.assertEqual(status, 200)
            self.assertEqual(chunks[-1]["type"], "complete")
            self.assertEqual(self.relay.request("DELETE", "/api/sessions/" + s, headers=self.auth(0))[0], 409)
            self.assertEqual(self.relay.request("DELETE", "/api/sessions/" + s, headers=self.auth(1))[0], 204)
        finally:
            conn.close()


if __name__ == "__main__":
    unittest.main()
