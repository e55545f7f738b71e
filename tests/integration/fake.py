"""Drives chatrelay-fake-gemini from Python tests (stdlib only).

    with FakeGemini('normal') as fake:
        status, headers, raw = fake.stream('gemini-2.5-flash', {'contents': []})
        fake.stats()['requests']

The binary comes from $FAKE_GEMINI_BIN (set by tests/integration/meson.build). Replies keep the raw
body bytes, still chunk-encoded, so tests can check the framing; `Reply.chunks`, `.body` and
`.events` decode it.
"""
import json
import os
import re
import select
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time

HEAD_END = b'\r\n\r\n'


class FramingError(ValueError):
    """The chunked body is not valid chunked encoding."""


def parse_chunks(raw):
    """Splits a chunked body into (payloads, complete): complete when the terminator was seen.
    Raises FramingError on an invalid chunk-size line or a chunk not followed by CRLF."""
    payloads, pos = [], 0
    while pos < len(raw):
        eol = raw.find(b'\r\n', pos)
        if eol < 0:
            return payloads, False
        size_text = raw[pos:eol].split(b';')[0]
        if not re.fullmatch(rb'[0-9a-fA-F]+', size_text):
            raise FramingError('bad chunk-size line %r' % raw[pos:eol][:40])
        size = int(size_text, 16)
        if size == 0:
            return payloads, raw[eol + 2:eol + 4] == b'\r\n'
        start, end = eol + 2, eol + 2 + size
        if len(raw) < end + 2:
            return payloads, False
        if raw[end:end + 2] != b'\r\n':
            raise FramingError('chunk not followed by CRLF')
        payloads.append(raw[start:end])
        pos = end + 2
    return payloads, False


def dechunk(raw):
    """The decoded body of a chunked `raw` body (complete or not)."""
    return b''.join(parse_chunks(raw)[0])


class Reply:
    """One HTTP answer. Unpacks as (status, headers, raw)."""

    def __init__(self, status, headers, raw, error=None, chunk_times=()):
        self.status = status
        self.headers = headers          # lower-case name -> value (repeated names joined by ', ')
        self.raw = raw                  # body bytes as received (chunk framing included)
        self.error = error              # why reading stopped early (reset, bad framing, timeout)
        self.chunk_times = list(chunk_times)  # monotonic arrival time of each complete chunk

    def __iter__(self):
        return iter((self.status, self.headers, self.raw))

    @property
    def chunked(self):
        return self.headers.get('transfer-encoding', '').lower() == 'chunked'

    @property
    def chunks(self):
        return parse_chunks(self.raw)[0] if self.chunked else [self.raw]

    @property
    def complete(self):
        return parse_chunks(self.raw)[1] if self.chunked else self.error is None

    @property
    def body(self):
        return dechunk(self.raw) if self.chunked else self.raw

    def json(self):
        return json.loads(self.body)

    @property
    def events(self):
        """The JSON of every `data:` event, in order."""
        out = []
        for block in self.body.replace(b'\r\n', b'\n').split(b'\n\n'):
            if block.startswith(b'data: '):
                out.append(json.loads(block[6:]))
        return out


class Connection:
    """One TLS connection speaking HTTP/1.1 (keep-alive) to the fake."""

    def __init__(self, port, context, server_hostname='127.0.0.1', session=None, timeout=10.0):
        raw = socket.create_connection(('127.0.0.1', port), timeout=timeout)
        try:
            self.sock = context.wrap_socket(raw, server_hostname=server_hostname, session=session)
        except Exception:
            raw.close()
            raise
        self.buf = bytearray()

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, method, path, body=b'', headers=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        lines = ['%s %s HTTP/1.1' % (method, path), 'Host: 127.0.0.1']
        for name, value in (headers or {}).items():
            lines.append('%s: %s' % (name, value))
        if body or method in ('POST', 'PUT'):
            lines.append('Content-Type: application/json')
            lines.append('Content-Length: %d' % len(body))
        self.sock.sendall(('\r\n'.join(lines) + '\r\n\r\n').encode() + body)

    def _fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise EOFError('connection closed')
        self.buf += data

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def _find(self, needle, start=0):
        while True:
            at = self.buf.find(needle, start)
            if at >= 0:
                return at
            start = max(0, len(self.buf) - len(needle) + 1)
            self._fill()

    def read_head(self):
        """(status, headers) of the next answer."""
        end = self._find(HEAD_END)
        lines = self._take(end + 4).decode('latin-1').split('\r\n')
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(':')
                name, value = name.strip().lower(), value.strip()
                headers[name] = headers[name] + ', ' + value if name in headers else value
        return status, headers

    def read_body(self, headers):
        """(raw body, error, chunk arrival times); reading stops at the first framing or I/O error."""
        raw, times = bytearray(), []
        try:
            if 'content-length' in headers:
                raw += self._take(int(headers['content-length']))
            elif headers.get('transfer-encoding', '').lower() == 'chunked':
                while True:
                    line = self._take(self._find(b'\r\n') + 2)
                    raw += line
                    size_text = line[:-2].split(b';')[0]
                    if not re.fullmatch(rb'[0-9a-fA-F]+', size_text):
                        raise FramingError('bad chunk-size line %r' % line[:40])
                    size = int(size_text, 16)
                    raw += self._take(size + 2)
                    if size == 0:
                        break
                    times.append(time.monotonic())
            else:
                while True:
                    self._fill()
                    raw += self.buf
                    self.buf.clear()
        except (OSError, EOFError, FramingError) as e:
            raw += self.buf
            self.buf.clear()
            return bytes(raw), '%s: %s' % (type(e).__name__, e), times
        return bytes(raw), None, times

    def read_chunk(self):
        """The payload of the next chunk of a chunked body (b'' for the terminator's)."""
        size = int(self._take(self._find(b'\r\n') + 2)[:-2].split(b';')[0], 16)
        return self._take(size + 2)[:-2]

    def request(self, method, path, body=b'', headers=None):
        self.send(method, path, body, headers)
        status, head = self.read_head()
        raw, error, times = self.read_body(head)
        return Reply(status, head, raw, error, times)

    def stream(self, model, body, key='test-key'):
        headers = {} if key is None else {'x-goog-api-key': key}
        return self.request('POST', stream_path(model), body, headers)


def stream_path(model):
    return '/v1beta/models/%s:streamGenerateContent?alt=sse' % model


class FakeGemini:
    """A running chatrelay-fake-gemini on 127.0.0.1 and a free port, with its own temp TLS dir."""

    def __init__(self, scenario='normal', extra_args=(), binary=None):
        self.binary = binary or os.environ.get('FAKE_GEMINI_BIN')
        if not self.binary:
            raise RuntimeError('set FAKE_GEMINI_BIN to the chatrelay-fake-gemini binary')
        self.tmp = tempfile.mkdtemp(prefix='fake-gemini-')
        cmd = [self.binary, '--port', '0', '--tls-dir', os.path.join(self.tmp, 'tls'),
               '--scenario', scenario] + list(extra_args)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        try:
            first, second = self._first_lines(10.0)
            m = re.fullmatch(r'listening on https://([^:]+):(\d+)', first)
            if not m or not second.startswith('ca: '):
                raise RuntimeError('unexpected start-up lines: %r %r' % (first, second))
        except Exception:
            self.proc.kill()
            self.proc.wait()
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise
        self.port = int(m.group(2))
        self.url = 'https://127.0.0.1:%d' % self.port
        self.ca = second[4:]
        self.context = ssl.create_default_context(cafile=self.ca)
        self._control = None

    def _first_lines(self, timeout):
        fd, data, deadline = self.proc.stdout.fileno(), b'', time.monotonic() + timeout
        while data.count(b'\n') < 2:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise RuntimeError('no start-up lines within %.0fs' % timeout)
            piece = os.read(fd, 4096)
            if not piece:
                raise RuntimeError('exited early with %s' % self.proc.wait())
            data += piece
        return data.decode().split('\n')[:2]

    def connect(self, server_hostname='127.0.0.1', session=None, timeout=10.0):
        return Connection(self.port, self.context, server_hostname, session, timeout)

    def stream(self, model, body, key='test-key', timeout=30.0):
        """One streaming request on a fresh connection: Reply (unpacks as status, headers, raw)."""
        with self.connect(timeout=timeout) as conn:
            return conn.stream(model, body, key)

    def control(self, method, path, body=b''):
        """A control request on a kept-alive connection (reopened once if it was closed)."""
        for attempt in (0, 1):
            try:
                if self._control is None:
                    self._control = self.connect()
                reply = self._control.request(method, path, body)
                if reply.error:
                    raise OSError(reply.error)
                return reply
            except (OSError, EOFError):
                if self._control:
                    self._control.close()
                self._control = None
                if attempt:
                    raise

    def tcp_ending(self, model, body, key='test-key'):
        """How the TCP connection ends after one streaming request sent with Connection: close:
        'reset' (RST) or 'eof' (FIN). Runs TLS through memory BIOs over a plain socket, because
        ssl.SSLSocket reports both as the same ragged EOF."""
        sock = socket.create_connection(('127.0.0.1', self.port), timeout=10)
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = self.context.wrap_bio(incoming, outgoing, server_hostname='127.0.0.1')

        def flush():
            data = outgoing.read()
            if data:
                sock.sendall(data)
        try:
            while True:
                try:
                    tls.do_handshake()
                    break
                except ssl.SSLWantReadError:
                    flush()
                    incoming.write(sock.recv(65536))
            body = json.dumps(body).encode()
            tls.write(('POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nx-goog-api-key: %s\r\n'
                       'Content-Length: %d\r\nConnection: close\r\n\r\n'
                       % (stream_path(model), key, len(body))).encode() + body)
            flush()
            while True:
                try:
                    if not sock.recv(65536):
                        return 'eof'
                except ConnectionResetError:
                    return 'reset'
        finally:
            sock.close()

    def stats(self):
        return self.control('GET', '/__fake/stats').json()

    def requests(self):
        return self.control('GET', '/__fake/requests').json()

    def clear_requests(self):
        self.control('DELETE', '/__fake/requests')

    def set_scenarios(self, names):
        reply = self.control('POST', '/__fake/scenarios', ','.join(names))
        if reply.status != 200:
            raise ValueError(reply.body.decode())
        return reply.json()

    def clear_scenarios(self):
        self.control('DELETE', '/__fake/scenarios')

    def stop(self, sig=signal.SIGTERM):
        """Stops the fake with `sig`; returns its exit code."""
        if self._control:
            self._control.close()
            self._control = None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
