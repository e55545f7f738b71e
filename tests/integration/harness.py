"""Starts chatrelay (and the fake Gemini) as real processes and talks to them over real sockets."""
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time

CHATRELAY_BIN = os.environ.get("CHATRELAY_BIN", "build/src/chatrelay")
# Set by `scripts/test --sanitize`: the binaries are several times slower and ASan keeps freed
# memory in quarantine, so throughput and RSS figures mean nothing there.
SANITIZED = os.environ.get("CHATRELAY_SANITIZED") == "1"
TEST_KEY = "AIzaTestKey-0123456789abcdefghijklmnopq"


class Chatrelay:
    """A chatrelay process on 127.0.0.1 with a free port; stderr is collected in .log_lines."""

    def __init__(self, fake=None, env=None, args=(), api_key=TEST_KEY, cwd=None, preexec_fn=None):
        self.tmp = tempfile.TemporaryDirectory(prefix="chatrelay-test-")
        e = {k: v for k, v in os.environ.items()
             if not k.startswith(("GEMINI_", "CHATRELAY_SERVER", "CHATRELAY_GEMINI", "CHATRELAY_MEMORY"))}
        e.update({"HOST": "127.0.0.1", "PORT": "0", "LOG_LEVEL": "info", "LOG_FORMAT": "text"})
        if fake is not None:
            e["GEMINI_BASE_URL"] = fake.url
            e["GEMINI_CA_FILE"] = fake.ca
        if api_key is not None:
            e["GEMINI_API_KEY"] = api_key
        # The protocol is pinned: HTTP/1.1 unless CHATRELAY_TEST_HTTP2=1 runs a suite's Gemini
        # tests over HTTP/2 (the default, gemini.http2 = true); tests/integration/meson.build
        # registers the Gemini-heavy suites both ways.
        e["CHATRELAY_GEMINI_HTTP2"] = "true" if os.environ.get("CHATRELAY_TEST_HTTP2") == "1" else "false"
        e.update(env or {})
        self.api_key = api_key
        self.proc = subprocess.Popen([CHATRELAY_BIN, *args], cwd=cwd or self.tmp.name, env=e,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, preexec_fn=preexec_fn)
        self.log_lines = []
        self.stdout_lines = []
        self._port_found = threading.Event()
        self.port = None
        threading.Thread(target=self._pump_stderr, daemon=True).start()
        threading.Thread(target=self._pump_stdout, daemon=True).start()
        if not self._port_found.wait(10):
            self.stop()
            raise RuntimeError("chatrelay did not start:\n" + "".join(self.log_lines))

    def _pump_stderr(self):
        for line in self.proc.stderr:
            self.log_lines.append(line)
        self._port_found.set()

    def _pump_stdout(self):
        for line in self.proc.stdout:
            self.stdout_lines.append(line)
            m = re.match(r"listening on http://.*:(\d+)$", line.strip())
            if m and self.port is None:
                self.port = int(m.group(1))
                self._port_found.set()

    def log_text(self):
        return "".join(self.log_lines)

    def connection(self, timeout=10):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=10):
        """One request on a fresh connection; returns (status, headers dict (lower-case), body bytes)."""
        conn = self.connection(timeout)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
                headers = {"Content-Type": "application/json", **(headers or {})}
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def metric(self, name, labels=""):
        """The value of one sample on /metrics (`labels` as written there: '{outcome="complete"}'),
        as an int, or None when there is no such sample."""
        text = self.request("GET", "/metrics")[2].decode()
        m = re.search(r"^%s%s (\d+)$" % (re.escape(name), re.escape(labels)), text, re.M)
        return int(m.group(1)) if m else None

    def chat(self, messages, session_id=None, timeout=30, extra=None):
        """POSTs /api/chat/stream; returns (status, headers, list of NDJSON chunks or error body)."""
        body = {"messages": messages}
        if session_id is not None:
            body["session_id"] = session_id
        body.update(extra or {})
        status, headers, raw = self.request("POST", "/api/chat/stream", body=body, timeout=timeout)
        if status != 200:
            return status, headers, json.loads(raw)
        lines = raw.decode("utf-8").splitlines()
        return status, headers, [json.loads(line) for line in lines if line]

    def raw(self, data, timeout=5, read_until_close=True):
        """Sends raw bytes on a new socket and returns everything read until close (or timeout)."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        try:
            s.sendall(data)
            out = b""
            while True:
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    break
                if not chunk:
                    break
                out += chunk
                if not read_until_close:
                    break
            return out
        finally:
            s.close()

    def open_unread_stream(self, messages):
        """POSTs /api/chat/stream on a socket with a tiny receive buffer and reads nothing: a client
        that stops reading. Returns the socket (the caller closes it)."""
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", self.port))
        body = json.dumps({"messages": messages}).encode()
        s.sendall(b"POST /api/chat/stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        return s

    def terminate(self, sig=signal.SIGTERM, timeout=30):
        self.proc.send_signal(sig)
        return self.proc.wait(timeout)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe:
                pipe.close()
        self.tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def user(text):
    return {"role": "user", "content": text}


def assistant(text):
    return {"role": "assistant", "content": text}


def node_major():
    """Node.js's major version, 0 when there is none (the SDK tests need 20 or later)."""
    try:
        out = subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=10).stdout
        return int(out.strip().lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.SubprocessError):
        return 0


def wait_until(predicate, timeout=5.0, interval=0.005):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class FakeAndRelay:
    """A unittest.TestCase mixin: one fake Gemini (FAKE_SCENARIO, FAKE_ARGS) and one chatrelay
    against it (RELAY_ENV) for the whole class, as cls.fake and cls.relay."""
    FAKE_SCENARIO = "normal"
    FAKE_ARGS = ()
    RELAY_ENV = {}

    @classmethod
    def setUpClass(cls):
        from fake import FakeGemini
        cls.fake = FakeGemini(scenario=cls.FAKE_SCENARIO, extra_args=cls.FAKE_ARGS)
        try:
            cls.relay = Chatrelay(fake=cls.fake, env=cls.RELAY_ENV)
        except Exception:
            cls.fake.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.relay.stop()
        cls.fake.stop()
