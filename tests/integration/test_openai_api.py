"""The OpenAI-compatible API (DESIGN.md §1) over raw HTTP: SSE framing, the response head that
waits for Gemini, statuses before content and error events after it, refusals in OpenAI's shape
on /v1 (auth, rate limits, unknown paths), what is sent to Gemini, thoughts, metrics, a client
leaving before the head, and the forced shutdown."""
import http.client
import json
import signal
import socket
import unittest

from fake import FakeGemini
from harness import Chatrelay, FakeAndRelay, wait_until

MODELS = "gemini-2.5-flash,fake-normal,fake-thoughts,fake-endless,fake-stall,fake-stall-headers"
COMPLETIONS = "/v1/chat/completions"


def ask(model="fake-normal", **extra):
    return {"model": model, "messages": [{"role": "user", "content": "hello"}], **extra}


def sse_data(raw):
    """The `data:` payloads of an SSE body, JSON-decoded except [DONE]; every event one data line."""
    text = raw.decode("utf-8")
    assert text.endswith("\n\n"), text[-200:]
    out = []
    for event in text[:-2].split("\n\n"):
        assert event.startswith("data: ") and "\n" not in event, event
        payload = event[6:]
        out.append(payload if payload == "[DONE]" else json.loads(payload))
    return out


class CompletionsTest(FakeAndRelay, unittest.TestCase):
    RELAY_ENV = {"CHATRELAY_GEMINI_MODELS": MODELS, "CHATRELAY_GEMINI_MAX_RETRIES": "0",
                 "CHATRELAY_GEMINI_FIRST_BYTE_TIMEOUT_S": "1", "CHATRELAY_GEMINI_IDLE_TIMEOUT_S": "1",
                 "CHATRELAY_GEMINI_TEMPERATURE": "0.7"}

    def setUp(self):
        self.fake.clear_scenarios()
        self.fake.clear_requests()

    def post(self, body, headers=None):
        return self.relay.request("POST", COMPLETIONS, body=body, headers=headers, timeout=30)

    def test_a_stream_is_sse_ending_with_done(self):
        status, headers, raw = self.post(ask(stream=True))
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "text/event-stream")
        self.assertEqual(headers["transfer-encoding"], "chunked")
        self.assertEqual(headers["cache-control"], "no-cache")
        events = sse_data(raw)
        self.assertEqual(events[-1], "[DONE]")
        self.assertEqual(events[0]["choices"][0]["delta"], {"role": "assistant", "content": ""})
        self.assertEqual("".join(e["choices"][0]["delta"].get("content", "") for e in events[1:-1]),
                         "Hello from the fake Gemini.")
        self.assertEqual(events[-2]["choices"][0]["finish_reason"], "stop")
        self.assertEqual(len({e["id"] for e in events[:-1]}), 1)

    def test_what_gemini_is_asked(self):
        status, _, _ = self.post({"model": "fake-normal", "temperature": 0.2, "top_p": 0.5, "max_tokens": 9,
                                  "stop": "STOP HERE", "messages": [
                                      {"role": "system", "content": "Be brief."},
                                      {"role": "user", "content": "one"},
                                      {"role": "assistant", "content": "two"},
                                      {"role": "user", "content": [{"type": "text", "text": "three"}]}]})
        self.assertEqual(status, 200)
        sent = self.fake.requests()[-1]["body"]
        self.assertEqual(sent["contents"], [{"role": "user", "parts": [{"text": "one"}]},
                                            {"role": "model", "parts": [{"text": "two"}]},
                                            {"role": "user", "parts": [{"text": "three"}]}])
        # Only the client's own system text: the configured coding prompt is for /api/chat/stream.
        self.assertEqual(sent["systemInstruction"], {"parts": [{"text": "Be brief."}]})
        self.assertEqual(sent["generationConfig"], {"temperature": 0.2, "topP": 0.5, "maxOutputTokens": 9,
                                                    "stopSequences": ["STOP HERE"]})
        self.assertEqual(self.fake.requests()[-1]["model"], "fake-normal")
        # Without one in the request, the operator's gemini.temperature applies.
        self.post(ask())
        self.assertEqual(self.fake.requests()[-1]["body"]["generationConfig"], {"temperature": 0.7})

    def test_thoughts_never_reach_the_client(self):
        status, _, raw = self.post(ask("fake-thoughts", stream=True))
        self.assertEqual(status, 200)
        self.assertNotIn(b"reasoning_content", raw)
        self.assertNotIn(b"Analyzing Prime Substrings", raw)  # the recording's first thought
        self.assertNotIn("includeThoughts", json.dumps(self.fake.requests()[-1]["body"]))

    def test_no_event_before_the_first_byte_timeout_is_a_504(self):
        # The head waits for Gemini: the failure is a status, not a 200 with an error in it.
        status, headers, raw = self.post(ask("fake-stall-headers", stream=True))
        self.assertEqual(status, 504)
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(json.loads(raw)["error"]["code"], "upstream_timeout")
        self.assertEqual(json.loads(raw)["error"]["type"], "server_error")

    def test_a_failure_after_content_is_an_error_event_then_done(self):
        status, _, raw = self.post(ask("fake-stall", stream=True))
        self.assertEqual(status, 200)
        events = sse_data(raw)
        self.assertEqual(events[1]["choices"][0]["delta"]["content"], "Hello")
        self.assertEqual(events[-2]["error"]["code"], "upstream_timeout")
        self.assertEqual(set(events[-2]["error"]), {"message", "type", "param", "code"})
        self.assertEqual(events[-1], "[DONE]")
        # Not streamed, the same failure is the status: nothing had gone out.
        self.assertEqual(self.post(ask("fake-stall"))[0], 504)

    def test_gemini_refusing_the_servers_key_is_a_502_the_sdk_does_not_retry(self):
        self.fake.set_scenarios(["bad-key"])
        status, headers, raw = self.post(ask())
        self.assertEqual(status, 502)
        self.assertEqual(headers["x-should-retry"], "false")
        error = json.loads(raw)["error"]
        self.assertEqual(error["code"], "upstream_invalid_api_key")
        self.assertNotIn("AIza", error["message"])

    def test_refusals_on_v1_are_openai_shaped_and_elsewhere_fastapi_shaped(self):
        status, _, raw = self.relay.request("POST", COMPLETIONS, body="{not json", timeout=10)
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(raw)["error"]["type"], "invalid_request_error")
        status, _, raw = self.relay.request("GET", "/v1/nothing-here")
        self.assertEqual((status, json.loads(raw)["error"]["code"]), (404, "unknown_url"))
        status, headers, raw = self.relay.request("GET", COMPLETIONS)
        self.assertEqual((status, headers["allow"], json.loads(raw)["error"]["code"]), (405, "POST", "method_not_allowed"))
        self.assertEqual(self.relay.request("GET", "/api/nothing-here")[2], b'{"detail":"Not Found"}')

    def test_models(self):
        status, _, raw = self.relay.request("GET", "/v1/models")
        self.assertEqual(status, 200)
        listed = json.loads(raw)
        self.assertEqual(listed["object"], "list")
        self.assertEqual([m["id"] for m in listed["data"]], MODELS.split(","))
        self.assertEqual(json.loads(self.relay.request("GET", "/v1/models/fake-normal")[2])["id"], "fake-normal")
        status, _, raw = self.relay.request("GET", "/v1/models/gpt-4o")
        self.assertEqual((status, json.loads(raw)["error"]["code"]), (404, "model_not_found"))

    def test_openapi_documents_v1(self):
        doc = json.loads(self.relay.request("GET", "/openapi.json")[2])
        for path in (COMPLETIONS, "/v1/models", "/v1/models/{model}"):
            self.assertIn(path, doc["paths"])
        self.assertIn("ChatCompletionChunk", doc["components"]["schemas"])

    def test_metrics_count_answers_by_outcome_and_route(self):
        complete = 'chatrelay_openai_completions_total{outcome="complete"}'
        error = 'chatrelay_openai_completions_total{outcome="error"}'
        before = (self.relay.metric(complete), self.relay.metric(error))
        self.post(ask(stream=True))
        self.post(ask())
        self.post(ask("fake-stall-headers"))
        self.assertEqual(self.relay.metric(complete), before[0] + 2)
        self.assertEqual(self.relay.metric(error), before[1] + 1)
        self.assertIsNotNone(self.relay.metric("chatrelay_http_requests_total",
                                    '{route="/v1/chat/completions",status="504"}'))


class IncludeThoughtsTest(unittest.TestCase):
    def test_reasoning_content_with_gemini_include_thoughts(self):
        with FakeGemini() as fake, Chatrelay(fake=fake, env={"CHATRELAY_GEMINI_MODELS": "fake-thoughts",
                                                             "CHATRELAY_GEMINI_INCLUDE_THOUGHTS": "true"}) as relay:
            status, _, raw = relay.request("POST", COMPLETIONS, body=ask("fake-thoughts"), timeout=30)
            self.assertEqual(status, 200)
            message = json.loads(raw)["choices"][0]["message"]
            self.assertTrue(message["reasoning_content"].startswith("**Analyzing Prime Substrings**"))
            self.assertNotIn("Analyzing Prime Substrings", message["content"])
            self.assertEqual(fake.requests()[-1]["body"]["generationConfig"], {"thinkingConfig": {"includeThoughts": True}})


class NoKeyTest(unittest.TestCase):
    def test_no_api_key_is_a_500_not_retried(self):
        with Chatrelay(api_key=None) as relay:
            status, headers, raw = relay.request("POST", COMPLETIONS, body=ask("gemini-2.5-flash"))
            self.assertEqual(status, 500)
            self.assertEqual(headers["x-should-retry"], "false")
            self.assertEqual(json.loads(raw)["error"]["code"], "upstream_api_key_missing")


class AccessControlTest(unittest.TestCase):
    def test_a_missing_token_is_401_in_openai_shape(self):
        token = "tok-0123456789abcdef-secret"
        with Chatrelay(env={"CHATRELAY_SERVER_AUTH_TOKENS": json.dumps([token])}) as relay:
            status, headers, raw = relay.request("POST", COMPLETIONS, body=ask("gemini-2.5-flash"))
            self.assertEqual(status, 401)
            self.assertEqual(headers["www-authenticate"], "Bearer")
            self.assertEqual(json.loads(raw), {"error": {"message": "Not authenticated", "type": "invalid_request_error",
                                                         "param": None, "code": "invalid_api_key"}})
            status, _, raw = relay.request("GET", "/v1/models", headers={"Authorization": "Bearer " + token})
            self.assertEqual(status, 200)
            self.assertEqual(json.loads(relay.request("GET", "/api/sessions/x")[2]), {"detail": "Not authenticated"})

    def test_per_ip_rate_is_429_with_retry_after_in_openai_shape(self):
        with Chatrelay(env={"CHATRELAY_SERVER_IP_RATE_PER_S": "0.5", "CHATRELAY_SERVER_IP_BURST": "2"}) as relay:
            statuses = [relay.request("GET", "/v1/models")[0] for _ in range(2)]
            self.assertEqual(statuses, [200, 200])
            status, headers, raw = relay.request("GET", "/v1/models")
            self.assertEqual(status, 429)
            self.assertGreaterEqual(int(headers["retry-after"]), 1)
            self.assertEqual(json.loads(raw)["error"]["code"], "rate_limit_exceeded")

    def test_completions_count_against_streams_per_ip(self):
        with FakeGemini() as fake, Chatrelay(fake=fake, env={"CHATRELAY_GEMINI_MODELS": "fake-endless",
                                                             "CHATRELAY_SERVER_MAX_STREAMS_PER_IP": "1"}) as relay:
            s = socket.create_connection(("127.0.0.1", relay.port), timeout=10)
            try:
                body = json.dumps(ask("fake-endless", stream=True)).encode()
                s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                self.assertTrue(s.recv(100).startswith(b"HTTP/1.1 200"))
                status, headers, raw = relay.request("POST", COMPLETIONS, body=ask("fake-endless"))
                self.assertEqual(status, 429)
                self.assertEqual(json.loads(raw)["error"]["type"], "requests")
            finally:
                s.close()


class LifetimeTest(unittest.TestCase):
    def test_a_client_leaving_before_the_head_closes_the_upstream_call(self):
        with FakeGemini() as fake, Chatrelay(fake=fake, env={"CHATRELAY_GEMINI_MODELS": "fake-stall-headers"}) as relay:
            gone = 'chatrelay_openai_completions_total{outcome="client_gone"}'
            before = relay.metric(gone)
            s = socket.create_connection(("127.0.0.1", relay.port), timeout=10)
            body = json.dumps(ask("fake-stall-headers", stream=True)).encode()
            s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            self.assertTrue(wait_until(lambda: fake.stats()["open_streams"] == 1, timeout=10))
            s.close()
            self.assertTrue(wait_until(lambda: fake.stats()["open_streams"] == 0, timeout=5), fake.stats())
            self.assertTrue(wait_until(lambda: relay.metric(gone) == before + 1, timeout=5))

    def test_forced_shutdown_ends_the_stream_with_an_error_event_and_done(self):
        with FakeGemini() as fake:
            relay = Chatrelay(fake=fake, env={"CHATRELAY_GEMINI_MODELS": "fake-endless"},
                              args=["--set", "server.shutdown_grace_s=0.5"])
            try:
                conn = http.client.HTTPConnection("127.0.0.1", relay.port, timeout=10)
                conn.request("POST", COMPLETIONS, body=json.dumps(ask("fake-endless", stream=True)),
                             headers={"Content-Type": "application/json"})
                r = conn.getresponse()
                self.assertEqual(r.status, 200)
                first = r.read(200)
                relay.proc.send_signal(signal.SIGTERM)
                events = sse_data(first + r.read())
                self.assertEqual(events[-2]["error"]["code"], "shutting_down")
                self.assertEqual(events[-1], "[DONE]")
                self.assertEqual(relay.proc.wait(10), 0)
                conn.close()
            finally:
                relay.stop()


if __name__ == "__main__":
    unittest.main()
