"""POST /api/chat/stream end to end: chatrelay + chatrelay-fake-gemini over real TLS."""
import json
import os
import signal
import socket
import subprocess
import threading
import time
import unittest

from fake import FakeGemini
from harness import TEST_KEY, Chatrelay, assistant, fd_count, user, wait_until

RECORDINGS = os.environ.get("CHATRELAY_RECORDINGS", "../data/gemini-recordings")


def recording_texts(name):
    """(visible text, thought text) of a recorded .sse file, computed independently of chatrelay."""
    visible, thought = "", ""
    with open(os.path.join(RECORDINGS, name), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("data:"):
                continue
            event = json.loads(line[5:])
            for cand in event.get("candidates", [])[:1]:
                for part in cand.get("content", {}).get("parts", []):
                    if "text" in part:
                        if part.get("thought"):
                            thought += part["text"]
                        else:
                            visible += part["text"]
    return visible, thought


def tokens_of(chunks):
    return "".join(c["content"] for c in chunks if c["type"] == "token")


class ChatStreamTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = FakeGemini(scenario="normal")
        cls.relay = Chatrelay(fake=cls.fake, env={"CHATRELAY_GEMINI_MAX_RETRY_WAIT_S": "5"})

    @classmethod
    def tearDownClass(cls):
        cls.relay.stop()
        cls.fake.stop()

    def setUp(self):
        self.fake.clear_scenarios()

    def chat(self, *args, **kw):
        return self.relay.chat(*args, **kw)

    def test_recorded_code_answer(self):
        self.fake.set_scenarios(["code"])
        status, headers, chunks = self.chat([user("Write tetris game")])
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "application/x-ndjson")
        self.assertEqual(headers["cache-control"], "no-cache")
        self.assertEqual(headers["x-accel-buffering"], "no")
        self.assertEqual(len(headers["x-session-id"]), 32)
        expected, _ = recording_texts("text-codefence-2.5-flash.sse")
        final = chunks[-1]
        self.assertEqual(final["type"], "complete")
        self.assertTrue(all(c["type"] == "token" for c in chunks[:-1]))
        self.assertGreater(len(chunks), 10)
        self.assertEqual(tokens_of(chunks), expected)
        self.assertEqual(final["content"], expected)
        self.assertEqual(final["session_id"], headers["x-session-id"])
        self.assertEqual(final["finish_reason"], "STOP")
        self.assertEqual(final["artifact"]["language"], "python")
        self.assertTrue(final["artifact"]["code"].startswith("import curses\nimport random\n"))
        self.assertEqual(len(final["artifacts"]), 1)
        self.assertGreater(final["usage"]["total_tokens"], 0)

    def test_thoughts_are_never_tokens(self):
        self.fake.set_scenarios(["thoughts"])
        status, _, chunks = self.chat([user("think")])
        visible, thought = recording_texts("thinking-2.5-flash-thoughts.sse")
        self.assertTrue(thought)
        self.assertEqual(tokens_of(chunks), visible)
        self.assertEqual(chunks[-1]["content"], visible)
        self.assertNotIn(thought[:40], json.dumps(chunks))
        self.assertFalse(any(c["type"] == "thinking" for c in chunks))

    def test_history_window_and_commit_rules(self):
        sid = "hist-" + str(time.monotonic_ns())
        self.fake.clear_requests()
        status, _, chunks = self.chat([user("first question")], session_id=sid)
        self.assertEqual(chunks[-1]["type"], "complete")
        reply1 = chunks[-1]["content"]
        # A failed turn is not committed ...
        self.fake.set_scenarios(["raw-error"])
        status, _, chunks = self.chat([user("this one fails")], session_id=sid)
        self.assertEqual(chunks[-1]["type"], "error")
        # ... so the next turn sees only the first exchange in front of it.
        status, _, chunks = self.chat([user("second question")], session_id=sid)
        self.assertEqual(chunks[-1]["type"], "complete")
        sent = self.fake.requests()[-1]["body"]["contents"]
        self.assertEqual([c["role"] for c in sent], ["user", "model", "user"])
        self.assertEqual(sent[0]["parts"][0]["text"], "first question")
        self.assertEqual(sent[1]["parts"][0]["text"], reply1)
        self.assertEqual(sent[2]["parts"][0]["text"], "second question")
        self.assertIn("systemInstruction", self.fake.requests()[-1]["body"])

    def test_window_keeps_the_newest_turns_and_starts_with_user(self):
        with Chatrelay(fake=self.fake, env={"MAX_HISTORY_MESSAGES": "3"}) as relay:
            sid = "win-" + str(time.monotonic_ns())
            for i in range(3):
                status, _, chunks = relay.chat([user(f"q{i}")], session_id=sid)
                self.assertEqual(chunks[-1]["type"], "complete")
            sent = self.fake.requests()[-1]["body"]["contents"]
            # ring holds [a1, q2?..]: newest 3 of q0 a0 q1 a1 → (a0) q1 a1 trimmed to start at user.
            self.assertEqual(sent[0]["role"], "user")
            self.assertEqual(sent[0]["parts"][0]["text"], "q1")
            self.assertEqual(sent[-1]["parts"][0]["text"], "q2")
            self.assertLessEqual(len(sent), 4)

    def test_client_supplied_assistant_turns_are_sent_as_model(self):
        self.chat([user("a"), assistant("b"), user("c")])
        sent = self.fake.requests()[-1]["body"]["contents"]
        self.assertEqual([c["role"] for c in sent], ["user", "model", "user"])

    def test_system_messages_become_the_system_instruction_and_are_never_stored(self):
        sid = "sys-" + str(time.monotonic_ns())
        system = {"role": "system", "content": "Answer in French."}
        status, _, chunks = self.chat([system, user("hello"), {"role": "system", "content": "Be brief."}],
                                      session_id=sid)
        self.assertEqual(chunks[-1]["type"], "complete")
        body = self.fake.requests()[-1]["body"]
        parts = [p["text"] for p in body["systemInstruction"]["parts"]]
        self.assertEqual(len(parts), 3)
        self.assertIn("fenced", parts[0])  # the configured coding prompt comes first
        self.assertEqual(parts[1:], ["Answer in French.", "Be brief."])
        self.assertEqual(body["contents"], [{"role": "user", "parts": [{"text": "hello"}]}])
        # The next turn carries the history without them, and only the configured prompt.
        self.chat([user("again")], session_id=sid)
        body = self.fake.requests()[-1]["body"]
        self.assertEqual(len(body["systemInstruction"]["parts"]), 1)
        self.assertEqual([c["role"] for c in body["contents"]], ["user", "model", "user"])
        self.assertNotIn("French", json.dumps(body["contents"]))
        status, _, raw = self.relay.request("GET", "/api/sessions/" + sid)
        self.assertEqual([m["role"] for m in json.loads(raw)["messages"]], ["user", "assistant"] * 2)

    def test_a_resent_transcript_replaces_the_history_instead_of_doubling_it(self):
        sid = "tr-" + str(time.monotonic_ns())
        status, _, chunks = self.chat([user("q1")], session_id=sid)
        a1 = chunks[-1]["content"]
        # A client that owns its transcript sends the whole conversation with the next question.
        status, _, chunks = self.chat([user("q1"), assistant(a1), user("q2")], session_id=sid)
        self.assertEqual(chunks[-1]["type"], "complete")
        a2 = chunks[-1]["content"]
        sent = self.fake.requests()[-1]["body"]["contents"]
        self.assertEqual([(c["role"], c["parts"][0]["text"]) for c in sent],
                         [("user", "q1"), ("model", a1), ("user", "q2")])
        # It was committed in place of the old history; a plain new turn follows it.
        self.chat([user("q3")], session_id=sid)
        sent = self.fake.requests()[-1]["body"]["contents"]
        self.assertEqual([c["parts"][0]["text"] for c in sent], ["q1", a1, "q2", a2, "q3"])
        # An edited transcript replaces it too.
        self.chat([user("other"), assistant("answer"), user("q4")], session_id=sid)
        sent = self.fake.requests()[-1]["body"]["contents"]
        self.assertEqual([c["parts"][0]["text"] for c in sent], ["other", "answer", "q4"])

    def test_a_transcript_is_windowed_to_max_history_messages(self):
        with Chatrelay(fake=self.fake, env={"MAX_HISTORY_MESSAGES": "3"}) as relay:
            sid = "trw-" + str(time.monotonic_ns())
            turns = [user("u1"), assistant("m1"), user("u2"), assistant("m2"), user("u3"), assistant("m3"), user("u4")]
            status, _, chunks = relay.chat(turns, session_id=sid)
            self.assertEqual(chunks[-1]["type"], "complete")
            sent = self.fake.requests()[-1]["body"]["contents"]
            # The newest three before u4 are m2 u3 m3; the window starts at a user turn.
            self.assertEqual([c["parts"][0]["text"] for c in sent], ["u3", "m3", "u4"])
            status, _, raw = relay.request("GET", "/api/sessions/" + sid)
            # Kept: the newest three of u3 m3 u4 and the answer, from a user turn on.
            stored = [m["content"] for m in json.loads(raw)["messages"]]
            self.assertEqual(stored, ["u4", chunks[-1]["content"]])

    def test_answers_without_visible_text_are_errors_and_never_stored(self):
        cases = (("empty", "empty_answer", "Gemini finished without writing an answer. Send the message again or "
                                           "rephrase it."),
                 ("blank", "empty_answer", None),
                 ("max-tokens-empty", "incomplete", None))
        self.fake.clear_requests()
        for scenario, code, message in cases:
            with self.subTest(scenario=scenario):
                sid = "empty-" + str(time.monotonic_ns())
                self.chat([user("first")], session_id=sid)
                self.fake.set_scenarios([scenario])
                status, _, chunks = self.chat([user("second")], session_id=sid)
                self.assertEqual(status, 200)
                self.assertEqual(chunks[-1]["type"], "error")
                self.assertEqual(chunks[-1]["code"], code)
                if message:
                    self.assertEqual(chunks[-1]["content"], message)
                self.assertNotIn("complete", [c["type"] for c in chunks])
                # Nothing committed: the next turn has the first exchange only in front of it.
                self.chat([user("third")], session_id=sid)
                sent = self.fake.requests()[-1]["body"]["contents"]
                self.assertEqual([c["parts"][0]["text"] for c in sent][::2], ["first", "third"])
                status, _, raw = self.relay.request("GET", "/api/sessions/" + sid)
                self.assertTrue(all(m["content"].strip() for m in json.loads(raw)["messages"]))
        # No empty part ever went upstream.
        for request in self.fake.requests():
            for content in request["body"]["contents"]:
                self.assertTrue(all(p["text"] for p in content["parts"]), content)

    def test_quota_exceeded_with_retry_after(self):
        self.fake.set_scenarios(["429"])
        before = self.fake.stats()["requests"]
        status, _, chunks = self.chat([user("hi")])
        self.assertEqual(status, 200)
        self.assertEqual(len(chunks), 1)
        err = chunks[0]
        self.assertEqual(err["type"], "error")
        self.assertEqual(err["code"], "quota_exceeded")
        self.assertEqual(err["retry_after"], 58)  # RetryInfo 58s (> max_retry_wait_s: no retry)
        self.assertIn("quota", err["content"].lower())
        self.assertEqual(self.fake.stats()["requests"] - before, 1)

    def test_short_429_is_retried_then_succeeds(self):
        self.fake.set_scenarios(["429-short", "normal"])
        t0 = time.monotonic()
        status, _, chunks = self.chat([user("hi")])
        self.assertEqual(chunks[-1]["type"], "complete")
        self.assertGreaterEqual(time.monotonic() - t0, 0.9)  # honoured RetryInfo 1s

    def test_bad_key_never_leaks(self):
        with Chatrelay(fake=self.fake, api_key="invalid-" + TEST_KEY) as relay:
            status, headers, chunks = relay.chat([user("hi")])
            self.assertEqual(chunks[-1]["code"], "invalid_api_key")
            self.assertEqual(len(chunks), 1)
            relay.terminate()
            everything = json.dumps(chunks) + json.dumps(headers) + relay.log_text() + "".join(relay.stdout_lines)
            self.assertNotIn(TEST_KEY, everything)
            self.assertNotIn("invalid-AIza", everything)

    def test_key_never_in_docs_metrics_logs_or_check_config(self):
        status, _, chunks = self.chat([user("hi")])  # a call that sent the key upstream
        self.assertEqual(chunks[-1]["type"], "complete")
        seen = ""
        for path in ("/docs", "/openapi.json", "/metrics", "/health"):
            status, headers, body = self.relay.request("GET", path)
            self.assertEqual(status, 200, path)
            seen += json.dumps(headers) + body.decode("utf-8", "replace")
        seen += self.relay.log_text() + "".join(self.relay.stdout_lines)
        env = {k: v for k, v in os.environ.items() if not k.startswith("GEMINI_")}
        env["GEMINI_API_KEY"] = TEST_KEY
        check = subprocess.run([os.environ["CHATRELAY_BIN"], "--check-config"], env=env, capture_output=True,
                               text=True, timeout=30)
        self.assertEqual(check.returncode, 0, check.stderr)
        self.assertIn(f"# api_key = <set, {len(TEST_KEY)} characters,", check.stdout)  # a comment, not a value
        seen += check.stdout + check.stderr
        self.assertNotIn(TEST_KEY, seen)
        self.assertNotIn(TEST_KEY[:12], seen)

    def test_503_then_success_after_a_retry(self):
        self.fake.set_scenarios(["503", "normal"])
        before = self.fake.stats()["requests"]
        status, _, chunks = self.chat([user("hi")])
        self.assertEqual(chunks[-1]["type"], "complete")
        self.assertEqual(self.fake.stats()["requests"] - before, 2)

    def test_retries_exhausted(self):
        self.fake.set_scenarios(["500", "503", "500", "normal"])
        status, _, chunks = self.chat([user("hi")])
        self.assertEqual(chunks[-1]["type"], "error")
        self.assertEqual(chunks[-1]["code"], "upstream_unavailable")

    def test_error_mid_stream(self):
        sid = "mid-" + str(time.monotonic_ns())
        self.fake.set_scenarios(["raw-error"])
        status, _, chunks = self.chat([user("hi")], session_id=sid)
        self.assertGreaterEqual(len(chunks), 2)
        self.assertEqual(chunks[0]["type"], "token")
        self.assertEqual(chunks[-1]["type"], "error")
        self.assertEqual(sum(1 for c in chunks if c["type"] in ("complete", "error")), 1)
        self.chat([user("next")], session_id=sid)
        self.assertEqual(len(self.fake.requests()[-1]["body"]["contents"]), 1)  # nothing committed

    def test_reset_mid_stream(self):
        self.fake.set_scenarios(["reset"])
        status, _, chunks = self.chat([user("hi")])
        self.assertEqual(chunks[-1]["type"], "error")
        self.assertEqual(chunks[-1]["code"], "upstream_unavailable")

    def test_upstream_garbage(self):
        for scenario in ("malformed", "bad-chunk"):
            with self.subTest(scenario=scenario):
                self.fake.set_scenarios([scenario])
                status, _, chunks = self.chat([user("hi")])
                self.assertEqual(chunks[-1]["type"], "error")
                self.assertEqual(chunks[-1]["code"], "upstream_protocol")

    def test_answer_that_never_ends_is_cut_at_8_mib(self):
        # 64 KiB events, forever: the answer held for the complete chunk stops growing at 8 MiB.
        self.fake.set_scenarios(["flood"])
        sid = "f" * 32
        status, _, chunks = self.chat([user("hi")], session_id=sid)
        self.assertEqual(status, 200)
        self.assertEqual(chunks[-1]["type"], "error")
        self.assertEqual(chunks[-1]["code"], "upstream_protocol")
        self.assertIn("8 MiB", chunks[-1]["content"])
        streamed = sum(len(c["content"]) for c in chunks if c["type"] == "token")
        self.assertLessEqual(streamed, 8 * 1024 * 1024 + 64 * 1024)
        self.assertGreater(streamed, 7 * 1024 * 1024)
        self.assertTrue(wait_until(lambda: self.fake.stats()["open_streams"] == 0, 2), "upstream closed")
        self.fake.set_scenarios(["normal"])
        self.chat([user("next")], session_id=sid)
        self.assertEqual(len(self.fake.requests()[-1]["body"]["contents"]), 1)  # nothing committed

    def test_blocked_prompt(self):
        self.fake.set_scenarios(["blocked"])
        status, _, chunks = self.chat([user("hi")])
        self.assertEqual(chunks[-1]["code"], "blocked")
        self.fake.set_scenarios(["safety"])
        status, _, chunks = self.chat([user("hi")])
        self.assertEqual(chunks[-1]["code"], "blocked")

    def test_no_finish_reason(self):
        self.fake.set_scenarios(["no-finish"])
        status, _, chunks = self.chat([user("hi")])
        self.assertEqual(chunks[-1]["type"], "complete")
        self.assertEqual(chunks[-1]["finish_reason"], "STOP")

    def test_max_tokens_keeps_partial_text(self):
        self.fake.set_scenarios(["max-tokens"])
        status, _, chunks = self.chat([user("hi")])
        self.assertEqual(chunks[-1]["type"], "complete")
        self.assertEqual(chunks[-1]["finish_reason"], "MAX_TOKENS")

    def test_model_not_found(self):
        self.fake.set_scenarios(["404"])
        status, _, chunks = self.chat([user("hi")])
        self.assertEqual(chunks[-1]["code"], "model_not_found")

    def test_busy_session_gets_409(self):
        sid = "busy-" + str(time.monotonic_ns())
        self.fake.set_scenarios(["stall"])
        conn = self.relay.connection(timeout=10)
        conn.request("POST", "/api/chat/stream", body=json.dumps({"session_id": sid, "messages": [user("a")]}),
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        self.assertEqual(r.status, 200)
        r.readline()  # the stall scenario sends one event first
        status, _, body = self.chat([user("b")], session_id=sid)
        self.assertEqual(status, 409)
        self.assertIn("detail", body)
        conn.close()
        # Once the first stream is gone the session is free again.
        self.assertTrue(wait_until(lambda: self.fake.stats()["open_streams"] == 0, 2))
        status, _, chunks = self.chat([user("c")], session_id=sid)
        self.assertEqual(status, 200)

    def test_client_disconnect_closes_upstream_fast(self):
        for scenario, read_first in (("stall", True), ("stall-headers", False), ("endless", True)):
            with self.subTest(scenario=scenario):
                self.fake.set_scenarios([scenario])
                s = socket.create_connection(("127.0.0.1", self.relay.port))
                body = json.dumps({"messages": [user("hi")]}).encode()
                s.sendall(b"POST /api/chat/stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                self.assertTrue(wait_until(lambda: self.fake.stats()["open_streams"] == 1, 3))
                if read_first:
                    s.settimeout(3)
                    got = b""
                    while b"token" not in got:
                        got += s.recv(65536)
                t0 = time.monotonic()
                s.close()
                self.assertTrue(wait_until(lambda: self.fake.stats()["open_streams"] == 0, 2))
                # At once, not at a timeout (Gemini's are tens of seconds here); 0.5 s leaves room
                # for a loaded machine running the sanitizer build.
                self.assertLess(time.monotonic() - t0, 0.5)

    def test_requests_pipelined_behind_a_stream_are_answered_after_it(self):
        # What the client sends while its stream runs is kept for after it; past what a connection
        # reads ahead (16 KiB) it is left unread until the stream ends (backpressure), not lost.
        health = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
        for extra in (1, 600):
            with self.subTest(pipelined=extra):
                self.fake.set_scenarios(["paced"])
                s = socket.create_connection(("127.0.0.1", self.relay.port))
                s.settimeout(5)
                body = json.dumps({"messages": [user("hi")]}).encode()
                s.sendall(b"POST /api/chat/stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                got = b""
                while b"token" not in got:
                    got += s.recv(65536)
                s.sendall(health * extra + b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                while True:
                    data = s.recv(65536)
                    if not data:
                        break
                    got += data
                s.close()
                stream, _, rest = got.partition(b"\r\n0\r\n\r\n")
                self.assertIn(b'"type":"complete"', stream)
                self.assertEqual(rest.count(b"HTTP/1.1 200 OK\r\n"), extra + 1)

    def test_validation_refusals(self):
        status, _, body = self.relay.request("POST", "/api/chat/stream", body="{not json",
                                             headers={"Content-Type": "application/json"})
        self.assertEqual(status, 422)
        self.assertEqual(json.loads(body)["detail"][0]["type"], "json_invalid")
        status, _, body = self.relay.request("POST", "/api/chat/stream", body="{}",
                                             headers={"Content-Type": "text/plain"})
        self.assertEqual(status, 422)
        self.assertEqual(json.loads(body)["detail"][0]["type"], "model_attributes_type")
        cases = [
            ({"messages": []}, ["body", "messages"]),
            ({"messages": [{"role": "robot", "content": "x"}]}, ["body", "messages", 0, "role"]),
            ({"messages": [{"role": "user", "content": ""}]}, ["body", "messages", 0, "content"]),
            ({"messages": [user("a"), assistant("b")]}, ["body", "messages", 1, "role"]),
            ({"messages": [user("a")], "session_id": "bad id!"}, ["body", "session_id"]),
            ({"messages": [user("a")] * 501}, ["body", "messages"]),
            ({"messages": [{"role": "system", "content": "s"}]}, ["body", "messages"]),
            ({}, ["body", "messages"]),
        ]
        for payload, loc in cases:
            with self.subTest(payload=str(payload)[:60]):
                status, _, body = self.relay.request("POST", "/api/chat/stream", body=payload)
                self.assertEqual(status, 422)
                detail = json.loads(body)["detail"]
                self.assertIn(loc, [d["loc"] for d in detail])
        # The connection stays usable after a refusal.
        conn = self.relay.connection()
        conn.request("POST", "/api/chat/stream", body="[", headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        self.assertEqual(r.status, 422)
        conn.request("GET", "/health")
        self.assertEqual(conn.getresponse().status, 200)
        conn.close()

    def test_generated_session_id_is_returned(self):
        status, headers, chunks = self.chat([user("hi")])
        self.assertRegex(headers["x-session-id"], r"^[0-9a-f]{32}$")
        self.assertEqual(chunks[-1]["session_id"], headers["x-session-id"])

    def test_pool_reuses_upstream_connections(self):
        self.chat([user("warm")])
        before = self.fake.stats()
        for _ in range(5):
            self.chat([user("again")])
        after = self.fake.stats()
        self.assertEqual(after["handshakes"], before["handshakes"])
        self.assertEqual(after["requests"] - before["requests"], 5)

    def test_many_concurrent_paced_streams(self):
        n = 200
        results = [None] * n
        fds_before = fd_count(self.relay.proc.pid)

        def run(i):
            try:
                status, _, chunks = self.relay.chat([user(f"hello {i}")], timeout=60,
                                                    extra={"session_id": f"c{i}-{time.monotonic_ns()}"})
                results[i] = chunks[-1]["type"] if status == 200 else status
            except Exception as e:  # noqa: BLE001 - report any failure as a value
                results[i] = repr(e)

        self.fake.set_scenarios(["paced"] * n)
        threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)
        self.assertEqual(results.count("complete"), n, [r for r in results if r != "complete"][:5])
        # Every client socket is closed; what stays open is the upstream pool (gemini.pool_size
        # 256 keeps all n warm connections).
        self.assertTrue(wait_until(lambda: fd_count(self.relay.proc.pid) <= fds_before + n + 6, 5))


class NoKeyTest(unittest.TestCase):
    def test_without_a_key_the_stream_says_so(self):
        with Chatrelay(api_key=None) as relay:
            status, _, chunks = relay.chat([user("hi")])
            self.assertEqual(status, 200)
            self.assertEqual(chunks[-1]["code"], "invalid_api_key")
            self.assertIn("GEMINI_API_KEY", chunks[-1]["content"])


class ShutdownDuringStreamTest(unittest.TestCase):
    def stream_through_sigterm(self, fake_args, relay_args=()):
        """Starts one chat stream, sends SIGTERM while it runs; returns the stream's chunks."""
        with FakeGemini(**fake_args) as fake:
            relay = Chatrelay(fake=fake, args=list(relay_args))
            try:
                result = {}
                t = threading.Thread(target=lambda: result.setdefault("r", relay.chat([user("hi")])))
                t.start()
                self.assertTrue(wait_until(lambda: fake.stats()["open_streams"] == 1, 3))
                self.assertEqual(relay.terminate(), 0)
                t.join(10)
                return result["r"][2]
            finally:
                relay.stop()

    def test_running_stream_finishes_before_exit(self):
        chunks = self.stream_through_sigterm({"scenario": "paced", "extra_args": ["--delay-ms", "100"]})
        self.assertEqual(chunks[-1]["type"], "complete")

    def test_grace_period_ends_streams_with_an_error_chunk(self):
        chunks = self.stream_through_sigterm({"scenario": "endless"}, ["--set", "server.shutdown_grace_s=0.5"])
        self.assertEqual(chunks[-1]["type"], "error")
        self.assertEqual(chunks[-1]["code"], "shutting_down")
        self.assertEqual(chunks[-1]["content"],
                         "chatrelay is shutting down; the answer was cut short. Send the message again in a moment.")

    def test_stop_that_lands_while_a_slow_client_is_written_to_still_ends_the_stream(self):
        # The stream is blocked writing to a client that does not read when the grace period
        # ends: the stop finds no upstream read to cancel. It must still end the call once the
        # write completes, not go on reading the upstream (here until the 8 MiB answer cap).
        with FakeGemini(scenario="flood") as fake:
            relay = Chatrelay(fake=fake, args=["--set", "server.shutdown_grace_s=0.5",
                                               "--set", "server.write_timeout_s=20"])
            s = relay.open_unread_stream([user("hi")])
            try:
                self.assertTrue(wait_until(lambda: fake.stats()["open_streams"] == 1, 3))
                time.sleep(1)  # the socket buffers fill; chatrelay waits in its write to us
                relay.proc.send_signal(signal.SIGTERM)
                # The grace period ends while that write waits; the client reads again within the
                # half second a forced end still has to write (http::Server::forced_end_allowance).
                self.assertTrue(wait_until(lambda: "grace period over" in relay.log_text(), 5))
                s.settimeout(15)
                received = b""
                while chunk := s.recv(1 << 20):
                    received += chunk
                tail = received[-300:]
                self.assertIn(b'"code":"shutting_down"', tail)
                self.assertNotIn(b"upstream_protocol", tail)
                self.assertEqual(relay.proc.wait(10), 0)
            finally:
                s.close()
                relay.stop()


if __name__ == "__main__":
    unittest.main()
