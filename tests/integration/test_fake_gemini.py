"""chatrelay-fake-gemini over real TLS: every scenario's status and framing, replay byte for byte,
keep-alive, session resumption, host-name verification, control endpoints, and how fast it
notices a client going away."""
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake import FakeGemini, FramingError, dechunk, parse_chunks  # noqa: E402

RECORDINGS = os.environ.get('CHATRELAY_RECORDINGS') or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), '..', 'data', 'gemini-recordings')
BODY = {'contents': [{'role': 'user', 'parts': [{'text': 'Say hello'}]}]}
SCENARIOS = ['normal', 'paced', 'long', 'code', 'thoughts', '429', '429-short', '400', 'bad-key', '403',
             '404', '500', '503', 'reset', 'raw-error', 'malformed', 'no-finish', 'blocked', 'max-tokens',
             'safety', 'stall', 'stall-headers', 'drip-headers', 'comments', 'stall-comments', 'endless',
             'flood', 'bad-chunk', 'huge-event', 'empty', 'max-tokens-empty', 'blank', 'large', 'html']


def recording(name):
    with open(os.path.join(RECORDINGS, name), 'rb') as f:
        return f.read()


def texts(events):
    return [p.get('text', '') for e in events for c in e.get('candidates', [])
            for p in c.get('content', {}).get('parts', []) if not p.get('thought')]


def finish_reasons(events):
    return [c.get('finishReason') for e in events for c in e.get('candidates', [{}])]


def wait_for(predicate, timeout):
    """Polls `predicate` until true; returns the seconds it took, or None on timeout."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.002)
    return None


class FakeTestCase(unittest.TestCase):
    fake = None

    @classmethod
    def setUpClass(cls):
        cls.fake = FakeGemini()

    @classmethod
    def tearDownClass(cls):
        code = cls.fake.stop()
        assert code == 0, 'fake exited with %s' % code

    def play(self, name, **kw):
        return self.fake.stream('fake-' + name, BODY, **kw)

    def assert_event_stream(self, reply, complete=True):
        """Google's framing: 200, text/event-stream, chunked, one `data: …\\r\\n\\r\\n` event per chunk."""
        self.assertEqual(reply.status, 200)
        self.assertEqual(reply.headers['content-type'], 'text/event-stream')
        self.assertEqual(reply.headers['transfer-encoding'], 'chunked')
        self.assertNotIn('content-length', reply.headers)
        self.assertEqual(reply.headers['server'], 'scaffolding on HTTPServer2')
        self.assertEqual(reply.headers['content-disposition'], 'attachment')
        self.assertIn('Origin', reply.headers['vary'])
        self.assertEqual(reply.headers['x-content-type-options'], 'nosniff')
        self.assertIn('date', reply.headers)
        if complete:
            self.assertIsNone(reply.error)
            self.assertTrue(reply.raw.endswith(b'\r\n0\r\n\r\n'))
        events = []
        for chunk in reply.chunks:
            self.assertTrue(chunk.startswith(b'data: '), chunk[:40])
            self.assertTrue(chunk.endswith(b'\r\n\r\n'), chunk[-40:])
            self.assertEqual(chunk.count(b'\r\n\r\n'), 1)
            self.assertNotIn(b'\n', chunk[:-4])
            events.append(json.loads(chunk[6:-4]))
        return events

    def assert_error(self, reply, status, google_status):
        """Google's error answers on the ?alt=sse URL: text/event-stream, Content-Length, plain JSON."""
        self.assertEqual(reply.status, status)
        self.assertEqual(reply.headers['content-type'], 'text/event-stream')
        self.assertEqual(int(reply.headers['content-length']), len(reply.raw))
        self.assertNotIn('transfer-encoding', reply.headers)
        self.assertEqual(reply.headers['server'], 'scaffolding on HTTPServer2')
        self.assertTrue(reply.raw.startswith(b'{\n  "error": {'))
        self.assertTrue(reply.raw.endswith(b'}\n'))
        error = reply.json()['error']
        self.assertEqual(error['code'], status)
        self.assertEqual(error['status'], google_status)
        return error


class StreamingScenarios(FakeTestCase):
    def test_normal(self):
        events = self.assert_event_stream(self.play('normal'))
        self.assertEqual(texts(events), ['Hello', ' from', ' the fake Gemini.'])
        self.assertEqual(finish_reasons(events), [None, None, 'STOP'])
        for e in events:
            self.assertIn('usageMetadata', e)
            self.assertEqual(e['modelVersion'], 'gemini-2.5-flash')

    def test_default_scenario_for_real_model_names(self):
        events = self.assert_event_stream(self.fake.stream('gemini-2.5-flash', BODY))
        self.assertEqual(''.join(texts(events)), 'Hello from the fake Gemini.')

    def test_paced_events_arrive_separately(self):
        reply = self.play('paced')
        self.assertEqual(texts(self.assert_event_stream(reply)), ['Hello', ' from', ' the fake Gemini.'])
        gaps = [b - a for a, b in zip(reply.chunk_times, reply.chunk_times[1:])]
        self.assertEqual(len(gaps), 2)
        for gap in gaps:
            self.assertGreater(gap, 0.012)

    def test_long(self):
        events = self.assert_event_stream(self.play('long'))
        self.assertEqual(len(events), 200)
        self.assertEqual(finish_reasons(events), [None] * 199 + ['STOP'])

    def test_code_is_the_recording_with_crlf_separators(self):
        reply = self.play('code')
        events = self.assert_event_stream(reply)
        recorded = [json.loads(block[6:]) for block in recording('text-codefence-2.5-flash.sse').split(b'\n\n')
                    if block.startswith(b'data: ')]
        self.assertEqual(len(events), 123)
        self.assertEqual(events, recorded)
        self.assertIn('```python', ''.join(texts(events)))
        self.assertEqual(finish_reasons(events)[-1], 'STOP')

    def test_thoughts_is_the_recording(self):
        reply = self.play('thoughts')
        self.assert_event_stream(reply)
        self.assertEqual(reply.body, recording('thinking-2.5-flash-thoughts.sse'))
        parts = [p for e in reply.events for p in e['candidates'][0]['content']['parts']]
        self.assertTrue(any(p.get('thought') for p in parts))
        self.assertTrue(any(not p.get('thought') for p in parts))

    def test_no_finish(self):
        events = self.assert_event_stream(self.play('no-finish'))
        self.assertEqual(len(events), 3)
        self.assertEqual(finish_reasons(events), [None, None, None])

    def test_blocked(self):
        events = self.assert_event_stream(self.play('blocked'))
        self.assertEqual(len(events), 1)
        self.assertEqual(events[0]['promptFeedback']['blockReason'], 'PROHIBITED_CONTENT')
        self.assertNotIn('candidates', events[0])

    def test_max_tokens(self):
        events = self.assert_event_stream(self.play('max-tokens'))
        self.assertEqual(finish_reasons(events)[-1], 'MAX_TOKENS')
        self.assertIn('```html', ''.join(texts(events)))

    def test_safety(self):
        events = self.assert_event_stream(self.play('safety'))
        self.assertEqual(len(events), 1)
        candidate = events[0]['candidates'][0]
        self.assertEqual(candidate['finishReason'], 'SAFETY')
        self.assertNotIn('content', candidate)

    def test_thoughts_then_no_answer(self):
        for scenario, finish in (('empty', 'STOP'), ('max-tokens-empty', 'MAX_TOKENS')):
            with self.subTest(scenario=scenario):
                events = self.assert_event_stream(self.play(scenario))
                self.assertEqual(texts(events), [])
                parts = [p for e in events for c in e['candidates'] for p in c.get('content', {}).get('parts', [])]
                self.assertTrue(parts and all(p.get('thought') for p in parts))
                self.assertEqual(finish_reasons(events)[-1], finish)
                self.assertNotIn('parts', events[-1]['candidates'][0]['content'])

    def test_blank(self):
        events = self.assert_event_stream(self.play('blank'))
        self.assertEqual(''.join(texts(events)), '\n\n')
        self.assertEqual(finish_reasons(events)[-1], 'STOP')

    def test_html_is_a_page_in_whole_lines(self):
        events = self.assert_event_stream(self.play('html'))
        self.assertGreater(len(events), 5)  # streamed, not one event
        parts = texts(events)
        self.assertTrue(all(p.endswith('\n') for p in parts), parts)
        text = ''.join(parts)
        self.assertEqual(text.count('```html\n<!DOCTYPE html>'), 1)
        self.assertIn('document.body.dataset.ran = "yes";', text)
        self.assertIn('```bash\n', text)
        self.assertEqual(finish_reasons(events), [None] * (len(events) - 1) + ['STOP'])

    def test_large(self):
        events = self.assert_event_stream(self.play('large'))
        self.assertEqual(len(events), 12)
        self.assertEqual(len(''.join(texts(events))), 6 << 20)
        self.assertEqual(finish_reasons(events)[-1], 'STOP')

    def test_huge_event(self):
        events = self.assert_event_stream(self.play('huge-event'))
        self.assertEqual(len(events), 1)
        self.assertEqual(len(texts(events)[0]), 20 << 20)

    def test_raw_error_after_events(self):
        reply = self.play('raw-error')
        self.assertEqual(reply.status, 200)
        self.assertTrue(reply.complete)
        chunks = reply.chunks
        self.assertEqual(len(chunks), 3)
        for chunk in chunks[:2]:
            self.assertTrue(chunk.startswith(b'data: '))
        self.assertTrue(chunks[2].startswith(b'{\n  "error": {'))
        self.assertEqual(json.loads(chunks[2])['error']['code'], 500)

    def test_malformed(self):
        reply = self.play('malformed')
        self.assertEqual(reply.status, 200)
        self.assertTrue(reply.complete)
        chunks = reply.chunks
        json.loads(chunks[0][6:])
        self.assertEqual(chunks[1], b'data: {"candidates": [\r\n\r\n')
        with self.assertRaises(ValueError):
            json.loads(chunks[1][6:])

    def test_bad_chunk(self):
        reply = self.play('bad-chunk')
        self.assertEqual(reply.status, 200)
        self.assertIn('FramingError', reply.error)
        with self.assertRaises(FramingError):
            parse_chunks(reply.raw)

    def test_reset(self):
        reply = self.play('reset')
        self.assertEqual(reply.status, 200)
        self.assertIsNotNone(reply.error)
        self.assertFalse(reply.raw.endswith(b'0\r\n\r\n'))
        self.assertEqual(texts(reply.events), ['Hello', ' from'])
        self.assertEqual(self.fake.tcp_ending('fake-reset', BODY), 'reset')
        self.assertEqual(self.fake.tcp_ending('fake-normal', BODY), 'eof')

    def test_stall(self):
        with self.fake.connect(timeout=2) as conn:
            conn.send('POST', '/v1beta/models/fake-stall:streamGenerateContent?alt=sse', BODY,
                      {'x-goog-api-key': 'k'})
            status, headers = conn.read_head()
            self.assertEqual(status, 200)
            conn.sock.settimeout(0.3)
            raw, error, _ = conn.read_body(headers)
            self.assertIn('timed out', error)
            self.assertEqual(len(parse_chunks(raw)[0]), 1)

    def test_stall_headers(self):
        with self.fake.connect(timeout=0.3) as conn:
            conn.send('POST', '/v1beta/models/fake-stall-headers:streamGenerateContent?alt=sse', BODY,
                      {'x-goog-api-key': 'k'})
            with self.assertRaises(socket.timeout):
                conn.read_head()

    def test_drip_headers(self):
        with self.fake.connect(timeout=2) as conn:
            conn.send('POST', '/v1beta/models/fake-drip-headers:streamGenerateContent?alt=sse', BODY,
                      {'x-goog-api-key': 'k'})
            first = conn.sock.recv(100)
            self.assertEqual(first, b'H')  # one byte per TLS record, 50 ms apart
            t0 = time.monotonic()
            for expected in b'TTP/1.1 200':
                self.assertEqual(conn.sock.recv(100), bytes([expected]))
            self.assertGreater(time.monotonic() - t0, 0.4)

    def test_comments(self):
        for scenario, events in (('comments', 0), ('stall-comments', 1)):
            with self.subTest(scenario), self.fake.connect(timeout=2) as conn:
                conn.send('POST', '/v1beta/models/fake-%s:streamGenerateContent?alt=sse' % scenario, BODY,
                          {'x-goog-api-key': 'k'})
                self.assertEqual(conn.read_head()[0], 200)
                for _ in range(events):
                    self.assertTrue(conn.read_chunk().startswith(b'data: '))
                for _ in range(3):  # comment lines only from here on: the event is not played again
                    self.assertEqual(conn.read_chunk(), b': keep-alive\n\n')

    def test_endless(self):
        with self.fake.connect(timeout=2) as conn:
            conn.send('POST', '/v1beta/models/fake-endless:streamGenerateContent?alt=sse', BODY,
                      {'x-goog-api-key': 'k'})
            status, _ = conn.read_head()
            self.assertEqual(status, 200)
            for _ in range(25):  # more than the 10 prebuilt events: it cycles
                event = conn.read_chunk()
                self.assertTrue(event.startswith(b'data: '))
                self.assertNotIn(b'finishReason', event)


    def test_flood(self):
        with self.fake.connect(timeout=2) as conn:
            conn.send('POST', '/v1beta/models/fake-flood:streamGenerateContent?alt=sse', BODY,
                      {'x-goog-api-key': 'k'})
            status, _ = conn.read_head()
            self.assertEqual(status, 200)
            for _ in range(5):
                event = conn.read_chunk()
                self.assertTrue(event.startswith(b'data: '))
                self.assertIn(b'x' * 65536, event)


class ErrorScenarios(FakeTestCase):
    def test_recorded_errors_byte_for_byte(self):
        for name, status, google_status, file in [
                ('429', 429, 'RESOURCE_EXHAUSTED', 'error-429-resource-exhausted.json'),
                ('400', 400, 'INVALID_ARGUMENT', 'error-400-api-key-invalid.json'),
                ('bad-key', 400, 'INVALID_ARGUMENT', 'error-400-api-key-invalid.json'),
                ('403', 403, 'PERMISSION_DENIED', 'error-403-service-disabled.json'),
                ('404', 404, 'NOT_FOUND', 'error-404-model-not-found.json')]:
            with self.subTest(name):
                reply = self.play(name)
                self.assert_error(reply, status, google_status)
                self.assertEqual(reply.raw, recording(file))

    def test_retry_info(self):
        def retry_delay(error):
            return [d['retryDelay'] for d in error['details'] if d['@type'].endswith('RetryInfo')]
        self.assertEqual(retry_delay(self.assert_error(self.play('429'), 429, 'RESOURCE_EXHAUSTED')), ['58s'])
        self.assertEqual(retry_delay(self.assert_error(self.play('429-short'), 429, 'RESOURCE_EXHAUSTED')), ['1s'])

    def test_generated_errors(self):
        self.assert_error(self.play('500'), 500, 'INTERNAL')
        error = self.assert_error(self.play('503'), 503, 'UNAVAILABLE')
        self.assertEqual(error['message'], 'The model is overloaded. Please try again later.')

    def test_api_keys(self):
        error = self.assert_error(self.play('normal', key=None), 403, 'PERMISSION_DENIED')
        self.assertIn('unregistered callers', error['message'])
        for key in ('bad-key', 'invalid-123'):
            error = self.assert_error(self.play('normal', key=key), 400, 'INVALID_ARGUMENT')
            self.assertEqual(error['details'][0]['reason'], 'API_KEY_INVALID')
        with self.fake.connect() as conn:
            reply = conn.request('POST', '/v1beta/models/fake-normal:streamGenerateContent?alt=sse&key=k', BODY)
            self.assertEqual(reply.status, 200)

    def test_unknown_fake_model_is_not_found(self):
        error = self.assert_error(self.play('nope'), 404, 'NOT_FOUND')
        self.assertTrue(error['message'].startswith('models/fake-nope is not found'))

    def test_expect_continue(self):
        with self.fake.connect() as conn:
            conn.sock.sendall(b'POST /v1beta/models/fake-normal:streamGenerateContent?alt=sse HTTP/1.1\r\n'
                              b'Host: 127.0.0.1\r\nx-goog-api-key: k\r\nExpect: 100-continue\r\n'
                              b'Content-Length: 2\r\n\r\n')
            self.assertEqual(conn.read_head()[0], 100)
            conn.sock.sendall(b'{}')
            status, headers = conn.read_head()
            self.assertEqual(status, 200)
            raw, error, _ = conn.read_body(headers)
            self.assertIsNone(error)

    def test_other_routes(self):
        with self.fake.connect() as conn:
            self.assertEqual(conn.request('GET', '/').status, 404)
            self.assertEqual(conn.request('GET', '/v1beta/models/x:streamGenerateContent').status, 405)
            self.assertEqual(conn.request('GET', '/__fake/nothing').status, 404)


class Control(FakeTestCase):
    def test_queue_wins_then_model_then_default(self):
        self.fake.set_scenarios(['503', 'normal'])
        self.assertEqual(self.fake.stream('fake-safety', BODY).status, 503)
        self.assertEqual(texts(self.fake.stream('fake-safety', BODY).events)[0], 'Hello')
        self.assertEqual(finish_reasons(self.fake.stream('fake-safety', BODY).events), ['SAFETY'])
        self.fake.set_scenarios(['500'])
        self.assertEqual(self.fake.control('GET', '/__fake/scenarios').json()['queue'], ['500'])
        self.fake.clear_scenarios()
        self.assertEqual(self.fake.stream('gemini-2.5-flash', BODY).status, 200)

    def test_key_errors_do_not_consume_the_queue(self):
        self.fake.set_scenarios(['500'])
        self.assertEqual(self.play('normal', key=None).status, 403)
        self.assertEqual(self.play('normal').status, 500)

    def test_unknown_queued_scenario_refused(self):
        with self.assertRaises(ValueError):
            self.fake.set_scenarios(['normal', 'nope'])
        names = self.fake.control('GET', '/__fake/scenarios').json()['scenarios']
        self.assertEqual(sorted(names), sorted(SCENARIOS))

    def test_requests_log(self):
        self.fake.clear_requests()
        self.fake.stream('gemini-2.5-flash', BODY, key='secret-key-123')
        self.fake.stream('fake-normal', 'not json', key=None)
        listing = self.fake.control('GET', '/__fake/requests')
        self.assertNotIn(b'secret-key-123', listing.raw)
        first, second = listing.json()
        self.assertEqual(first, {'model': 'gemini-2.5-flash',
                                 'path': '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
                                 'body': BODY, 'api_key_present': True, 'api_key_length': 14})
        self.assertEqual(second['body'], 'not json')
        self.assertEqual((second['api_key_present'], second['api_key_length']), (False, 0))
        self.fake.clear_requests()
        self.assertEqual(self.fake.requests(), [])

    def test_requests_log_keeps_the_last_100(self):
        self.fake.clear_requests()
        with self.fake.connect() as conn:
            for i in range(105):
                self.assertEqual(conn.stream('fake-normal', {'n': i}).status, 200)
        self.assertEqual([r['body']['n'] for r in self.fake.requests()], list(range(5, 105)))

    def test_stats_count_streaming_requests(self):
        before = self.fake.stats()
        self.play('normal')
        self.play('429')
        after = self.fake.stats()
        self.assertEqual(after['requests'] - before['requests'], 2)
        self.assertEqual(after['open_streams'], 0)
        self.assertEqual(after['open_connections'], 1)  # the control connection


class Transport(FakeTestCase):
    def test_keep_alive(self):
        before = self.fake.stats()
        with self.fake.connect() as conn:
            self.assertEqual(texts(conn.stream('fake-normal', BODY).events)[0], 'Hello')
            self.assertEqual(conn.stream('fake-429', BODY).status, 429)
            self.assertEqual(conn.stream('fake-long', BODY).status, 200)
        after = self.fake.stats()
        self.assertEqual(after['connections'] - before['connections'], 1)
        self.assertEqual(after['requests'] - before['requests'], 3)

    def test_session_resumption(self):
        before = self.fake.stats()
        with self.fake.connect() as first:
            first.stream('fake-normal', BODY)  # TLS 1.3 tickets arrive after the handshake
            session = first.sock.session
            self.assertFalse(first.sock.session_reused)
        with self.fake.connect(session=session) as second:
            self.assertEqual(second.stream('fake-normal', BODY).status, 200)
            self.assertTrue(second.sock.session_reused)
        after = self.fake.stats()
        self.assertEqual(after['handshakes'] - before['handshakes'], 1)
        self.assertEqual(after['resumed'] - before['resumed'], 1)

    def test_private_key_for_its_owner_alone(self):
        tls_dir = os.path.dirname(self.fake.ca)
        self.assertEqual(os.stat(os.path.join(tls_dir, 'server-key.pem')).st_mode & 0o777, 0o600)
        self.assertEqual(os.stat(self.fake.ca).st_mode & 0o777, 0o644)

    def test_wrong_host_name_refused(self):
        with self.assertRaises(ssl.SSLCertVerificationError):
            self.fake.connect(server_hostname='example.com')

    def test_untrusted_ca_refused(self):
        with self.assertRaises(ssl.SSLCertVerificationError):
            with socket.create_connection(('127.0.0.1', self.fake.port), timeout=5) as raw:
                ssl.create_default_context().wrap_socket(raw, server_hostname='127.0.0.1')

    def check_disconnect_noticed(self, scenario, events_before_close):
        self.fake.stats()  # control connection open before the clock starts
        conn = self.fake.connect(timeout=5)
        conn.send('POST', '/v1beta/models/fake-%s:streamGenerateContent?alt=sse' % scenario, BODY,
                  {'x-goog-api-key': 'k'})
        if events_before_close:
            conn.read_head()
            for _ in range(events_before_close):
                conn.read_chunk()
        self.assertIsNotNone(wait_for(lambda: self.fake.stats()['open_streams'] == 1, 2))
        conn.close()
        took = wait_for(lambda: self.fake.stats()['open_streams'] == 0, 2)
        self.assertIsNotNone(took, 'open_streams never dropped')
        self.assertLess(took, 0.5)  # at once (the scenarios run for seconds), with room for a loaded machine

    def test_disconnect_noticed_in_stall(self):
        self.check_disconnect_noticed('stall', 1)

    def test_disconnect_noticed_in_stall_headers(self):
        self.check_disconnect_noticed('stall-headers', 0)

    def test_disconnect_noticed_in_endless(self):
        self.check_disconnect_noticed('endless', 3)


class Replay(unittest.TestCase):
    def replay(self, name, model='gemini-2.5-flash', extra=()):
        with FakeGemini(extra_args=['--replay', os.path.join(RECORDINGS, name)] + list(extra)) as fake:
            return fake.stream(model, BODY)

    def test_sse_recordings_byte_identical(self):
        for name in ['text-multichunk-2.5-flash.sse', 'text-codefence-2.5-flash.sse',
                     'thinking-2.5-pro-thoughts-signature.sse', 'blocked-prompt-safety.sse']:
            with self.subTest(name):
                reply = self.replay(name)
                self.assertEqual(reply.status, 200)
                self.assertTrue(reply.complete)
                self.assertEqual(dechunk(reply.raw), recording(name))

    def test_multichunk_has_one_chunk_per_event(self):
        reply = self.replay('text-multichunk-2.5-flash.sse')
        self.assertEqual(len(reply.chunks), 2)

    def test_jsonl_wrapped(self):
        reply = self.replay('blocked-prompt-prohibited-content.jsonl')
        lines = recording('blocked-prompt-prohibited-content.jsonl').splitlines()
        self.assertEqual(reply.body, b''.join(b'data: ' + line + b'\r\n\r\n' for line in lines))

    def test_error_recording(self):
        reply = self.replay('error-404-model-not-found.json')
        self.assertEqual(reply.status, 404)
        self.assertEqual(reply.headers['content-type'], 'text/event-stream')
        self.assertEqual(reply.headers['content-length'], '280')
        self.assertEqual(reply.raw, recording('error-404-model-not-found.json'))

    def test_bare_name_found_in_recordings_dir(self):
        reply = self.replay('text-single-chunk-2.5-flash.sse', extra=['--recordings', RECORDINGS])
        self.assertEqual(reply.body, recording('text-single-chunk-2.5-flash.sse'))

    def test_fake_model_beats_replay(self):
        reply = self.replay('text-multichunk-2.5-flash.sse', model='fake-normal')
        self.assertEqual(texts(reply.events)[0], 'Hello')


class Process(unittest.TestCase):
    def run_fake(self, *args):
        return subprocess.run([os.environ['FAKE_GEMINI_BIN'], *args], capture_output=True, text=True, timeout=10)

    def test_help(self):
        result = self.run_fake('--help')
        self.assertEqual(result.returncode, 0)
        for word in SCENARIOS + ['/__fake/stats', '/__fake/requests', '/__fake/scenarios', '--replay']:
            self.assertIn(word, result.stdout)

    def test_bad_arguments(self):
        self.assertEqual(self.run_fake('--scenario', 'nope').returncode, 2)
        self.assertEqual(self.run_fake('--port', 'x').returncode, 2)
        self.assertEqual(self.run_fake('--bogus', '1').returncode, 2)

    def test_start_up_lines_and_tls_dir(self):
        with FakeGemini() as fake:
            self.assertEqual(fake.ca, os.path.join(fake.tmp, 'tls', 'ca.pem'))
            self.assertTrue(os.path.exists(fake.ca))
            self.assertTrue(fake.url.startswith('https://127.0.0.1:'))

    def test_signals_exit_zero(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            fake = FakeGemini()
            conn = fake.connect(timeout=5)
            conn.send('POST', '/v1beta/models/fake-stall:streamGenerateContent?alt=sse', BODY,
                      {'x-goog-api-key': 'k'})
            conn.read_head()
            self.assertEqual(fake.stop(sig), 0)
            conn.close()

    def test_events_and_delay_options(self):
        with FakeGemini('long', ['--events', '1000']) as fake:
            events = fake.stream('gemini-2.5-flash', BODY).events
            self.assertEqual(len(events), 1000)
            self.assertEqual(finish_reasons(events)[-1], 'STOP')
        with FakeGemini('normal', ['--delay-ms', '40']) as fake:
            reply = fake.stream('gemini-2.5-flash', BODY)
            self.assertEqual(len(reply.chunk_times), 3)
            self.assertGreater(reply.chunk_times[2] - reply.chunk_times[0], 0.07)


if __name__ == '__main__':
    unittest.main()
