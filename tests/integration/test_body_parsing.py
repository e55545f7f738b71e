"""POST /api/chat/stream reads its body as FastAPI does (DESIGN.md §1 "Body parsing"): which
Content-Types are JSON, what invalid JSON gets (Python's own json module is the reference here:
FastAPI answers with its message and position), BOMs and undecodable bytes."""
import json
import random
import unittest

from harness import FakeAndRelay, user

VALID = json.dumps({"session_id": "parse-1", "messages": [user("héllo 😀")]})
NOT_A_DICT = {"detail": [{"type": "model_attributes_type", "loc": ["body"],
                          "msg": "Input should be a valid dictionary or object to extract fields from"}]}


def python_error(body):
    """(position, message) of json.loads' refusal of `body`, None when Python accepts it, or
    'undecodable' for bytes Python cannot decode (FastAPI answers those 400)."""
    try:
        json.loads(body)
    except json.JSONDecodeError as e:
        return e.pos, e.msg
    except (UnicodeDecodeError, RecursionError, ValueError):
        return "undecodable"
    return None


def mutations(seed, count):
    """Deterministic broken variants of valid chat bodies: bytes deleted, inserted, or cut off."""
    rng = random.Random(seed)
    bases = [VALID.encode(), json.dumps({"messages": [user('a "quoted"\\ line\n'), {"role": "assistant", "content": "b"},
                                                      user("c")], "n": [1, -2.5e-3, True, None]}).encode()]
    alphabet = b'{}[]:,"\\ \t\n0123456789-+.eEul\x01'
    out = []
    while len(out) < count:
        b = bytearray(rng.choice(bases))
        for _ in range(rng.randint(1, 3)):
            pos = rng.randint(0, len(b))
            op = rng.randint(0, 2)
            if op == 0 and pos < len(b):
                del b[pos]
            elif op == 1:
                b[pos:pos] = bytes([rng.choice(alphabet)])
            else:
                del b[pos:]
        if b:
            out.append(bytes(b))
    return out


class BodyParsingTest(FakeAndRelay, unittest.TestCase):
    def post(self, body, headers=None, conn=None):
        if isinstance(body, str):
            body = body.encode()
        own = conn is None
        conn = conn or self.relay.connection()
        try:
            conn.request("POST", "/api/chat/stream", body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            if own:
                conn.close()

    def assert_streams(self, status, raw):
        self.assertEqual(status, 200, raw[:300])
        self.assertEqual(json.loads(raw.decode().splitlines()[-1])["type"], "complete")

    def test_json_media_types_and_no_type_are_parsed(self):
        for content_type in (None, "", "application/json", "application/json; charset=utf-8", "APPLICATION/JSON",
                             "Application/JSON;Charset=UTF-8", "application/vnd.api+json", "application/ld+json"):
            with self.subTest(content_type=content_type):
                headers = {} if content_type is None else {"Content-Type": content_type}
                self.assert_streams(*self.post(VALID, headers))

    def test_other_media_types_are_422_like_fastapi(self):
        for content_type in ("text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded",
                             "multipart/form-data; boundary=x", "text/json", "application/jsonx", "application"):
            with self.subTest(content_type=content_type):
                status, raw = self.post(VALID, {"Content-Type": content_type})
                self.assertEqual(status, 422)
                self.assertEqual(json.loads(raw), NOT_A_DICT)

    def test_a_utf8_bom_is_skipped(self):
        self.assert_streams(*self.post(b"\xef\xbb\xbf" + VALID.encode(), {"Content-Type": "application/json"}))

    def test_undecodable_bytes_are_400(self):
        status, raw = self.post(b'{"messages":[{"role":"user","content":"\xc3\x28"}]}',
                                {"Content-Type": "application/json"})
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(raw), {"detail": "There was an error parsing the body"})

    def test_invalid_json_is_422_with_pythons_position_and_message(self):
        status, raw = self.post("{not json", {"Content-Type": "application/json"})
        self.assertEqual(status, 422)
        self.assertEqual(json.loads(raw), {"detail": [{
            "type": "json_invalid", "loc": ["body", 1], "msg": "JSON decode error", "input": {},
            "ctx": {"error": "Expecting property name enclosed in double quotes"}}]})
        # Many broken bodies on one connection (it stays usable after each refusal), each answered
        # with what Python's json.loads says about the same bytes.
        conn = self.relay.connection()
        checked = 0
        try:
            for body in mutations(7, 400):
                expected = python_error(body)
                if expected is None:
                    continue  # valid JSON: a schema answer or a stream, not this test's business
                status, raw = self.post(body, {"Content-Type": "application/json"}, conn=conn)
                if expected == "undecodable":
                    self.assertEqual(status, 400, body)
                    continue
                self.assertEqual(status, 422, body)
                detail = json.loads(raw)["detail"]
                self.assertEqual(len(detail), 1, body)
                self.assertEqual(detail[0]["type"], "json_invalid", body)
                self.assertEqual(detail[0]["loc"], ["body", expected[0]], body)
                self.assertEqual(detail[0]["ctx"], {"error": expected[1]}, body)
                checked += 1
        finally:
            conn.close()
        self.assertGreater(checked, 250)


if __name__ == "__main__":
    unittest.main()
