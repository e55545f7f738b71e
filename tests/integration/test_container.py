"""The FROM scratch image without Docker: the Dockerfile's final stage, rebuilt from its COPY lines
into an empty root, runs the static chatrelay there (chroot, as the image's USER) against
chatrelay-fake-gemini over verified TLS: /health, --healthcheck, the chat page, a streamed answer
through /etc/hosts and through DNS, and the CA bundle found the way the image's ENV says.

The static binary comes from $CHATRELAY_STATIC_BIN (scripts/container-test builds it), or from
$CHATRELAY_BIN when that one is static (a -Dstatic=true build). Without one, or without root (for
chroot), every test is skipped.
"""
import http.client
import json
import os
import re
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake import FakeGemini  # noqa: E402
from harness import TEST_KEY, user  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
DOCKERFILE = os.path.join(REPO, 'Dockerfile')
# Paths the build stage produces; every other `COPY --from=build` source is a file of Debian
# bookworm (the build stage's base, and this machine), taken from this machine.
BUILD_OUTPUTS = {'/out/chatrelay': 'the static chatrelay, stripped here as the build stage strips it'}
IMAGE_LIMIT_BYTES = 10 * 1024 * 1024


def static_binary():
    """(path, None) of a statically linked chatrelay, or (None, why not). Asked for by name
    ($CHATRELAY_STATIC_BIN), it must exist and be static; $CHATRELAY_BIN is used when it is."""
    path = os.environ.get('CHATRELAY_STATIC_BIN')
    if path:
        assert os.path.isfile(path), 'CHATRELAY_STATIC_BIN=%s: no such file' % path
        assert not is_dynamic(path), 'CHATRELAY_STATIC_BIN=%s is dynamically linked' % path
        return os.path.abspath(path), None
    path = os.environ.get('CHATRELAY_BIN')
    if path and os.path.isfile(path) and not is_dynamic(path):
        return os.path.abspath(path), None
    return None, ('no static chatrelay: scripts/container-test builds one (or set '
                  'CHATRELAY_STATIC_BIN, or build with -Dstatic=true)')


def ldd(path):
    r = subprocess.run(['ldd', path], capture_output=True, text=True)
    return r.returncode, (r.stdout + r.stderr).strip()


def is_dynamic(path):
    return 'not a dynamic executable' not in ldd(path)[1]


# ------------------------------------------------------------------------------------------------
# The Dockerfile's final stage

def dockerfile_instructions(text):
    """[(INSTRUCTION, arguments)] with comments dropped and continuation lines joined."""
    out, pending = [], ''
    for line in text.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith('#')):
            continue
        if line.rstrip().endswith('\\'):
            pending += line.rstrip()[:-1] + ' '
            continue
        line, pending = pending + line, ''
        word, _, rest = line.strip().partition(' ')
        out.append((word.upper(), rest.strip()))
    return out


def final_stage(text):
    """The instructions after the last FROM, and that FROM's image."""
    instructions = dockerfile_instructions(text)
    last = max(i for i, (word, _) in enumerate(instructions) if word == 'FROM')
    return instructions[last][1].split()[0], instructions[last + 1:]


def parse_final_stage(text):
    base, instructions = final_stage(text)
    stage = {'base': base, 'copies': [], 'env': {}, 'workdir': '/', 'user': None, 'expose': [],
             'healthcheck': None, 'entrypoint': None}
    for word, args in instructions:
        if word == 'COPY':
            parts = shlex.split(args)
            flags = dict(p[2:].split('=', 1) for p in parts if p.startswith('--'))
            paths = [p for p in parts if not p.startswith('--')]
            assert len(paths) == 2, 'one file per COPY, please: %r' % args
            stage['copies'].append((flags.get('from'), paths[0], paths[1]))
        elif word == 'ENV':
            for pair in shlex.split(args):
                key, _, value = pair.partition('=')
                stage['env'][key] = value
        elif word == 'WORKDIR':
            stage['workdir'] = args
        elif word == 'USER':
            stage['user'] = args
        elif word == 'EXPOSE':
            stage['expose'] += args.split()
        elif word == 'HEALTHCHECK':
            stage['healthcheck'] = json.loads(args[args.index('CMD') + 3:])
        elif word == 'ENTRYPOINT':
            stage['entrypoint'] = json.loads(args)
    return stage


def copy_source(stage_from, src, binary):
    """The local file standing for a COPY source."""
    if stage_from is None:
        return os.path.join(REPO, src)
    if src in BUILD_OUTPUTS:
        return binary
    return src


def assemble_root(stage, binary, ca_extra=None):
    """A temp dir holding exactly the final stage's files (and its WORKDIR). `ca_extra` (a PEM
    file) is appended to the CA bundle, as an operator adding a private CA would."""
    root = tempfile.mkdtemp(prefix='chatrelay-image-')
    os.chmod(root, 0o755)
    for stage_from, src, dest in stage['copies']:
        target = os.path.join(root, dest.lstrip('/'))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        source = copy_source(stage_from, src, binary)
        if src in BUILD_OUTPUTS and shutil.which('strip'):
            subprocess.run(['strip', '--strip-all', '-o', target, source], check=True)
        else:
            shutil.copy(source, target)
        if ca_extra and dest == stage['env'].get('SSL_CERT_FILE'):
            with open(target, 'ab') as out, open(ca_extra, 'rb') as extra:
                out.write(b'\n' + extra.read())
    os.makedirs(os.path.join(root, stage['workdir'].lstrip('/')), exist_ok=True)
    return root


def files_under(root):
    return sorted('/' + os.path.relpath(os.path.join(d, f), root)
                  for d, _, names in os.walk(root) for f in names)


# ------------------------------------------------------------------------------------------------
# Running the image's entrypoint in the root

class ImageProcess:
    """chatrelay started as the image would start it: chroot into `root`, cd WORKDIR, drop to USER,
    only the image's ENV plus `env`. Stderr lines collect in .log_lines."""

    def __init__(self, stage, root, env, args=()):
        uid, _, gid = stage['user'].partition(':')
        self.uid, self.gid = int(uid), int(gid or uid)
        self.stage, self.root = stage, root
        self.env = {**stage['env'], **env}
        self.proc = subprocess.Popen(stage['entrypoint'] + list(args), env=self.env,
                                     preexec_fn=self._enter, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.log_lines, self.port = [], None
        found = threading.Event()

        def pump():
            for line in self.proc.stderr:
                self.log_lines.append(line)
                m = re.search(r'url=http://[^ ]*:(\d+)', line)
                if m and self.port is None:
                    self.port = int(m.group(1))
                    found.set()
            found.set()
        threading.Thread(target=pump, daemon=True).start()
        if not found.wait(10) or self.port is None:
            self.stop()
            raise RuntimeError('chatrelay did not start in the image root:\n' + ''.join(self.log_lines))

    def _enter(self):
        os.chroot(self.root)
        os.chdir(self.stage['workdir'])
        os.setgroups([])
        os.setgid(self.gid)
        os.setuid(self.uid)

    def run(self, args, env=None):
        """Another process in the same root (as HEALTHCHECK runs one); returns its exit code."""
        return subprocess.run(args, env={**self.env, **(env or {})}, preexec_fn=self._enter,
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=30).returncode

    def request(self, method, path, body=None, timeout=30):
        conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=timeout)
        try:
            headers = {'Content-Type': 'application/json'} if body is not None else {}
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            conn.close()

    def chat(self, text):
        status, raw = self.request('POST', '/api/chat/stream', {'messages': [user(text)]})
        assert status == 200, (status, raw)
        return [json.loads(line) for line in raw.decode().splitlines() if line]

    def stop(self):
        """SIGTERM, as `docker stop` sends; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stderr.close()
        return self.proc.returncode


class DnsResponder:
    """A UDP DNS server on `address`:53 answering every A question with 127.0.0.1 (and every other
    type with no records); .questions lists the names asked."""

    def __init__(self, address):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((address, 53))
        self.sock.settimeout(0.2)
        self.questions, self.running = [], True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                query, peer = self.sock.recvfrom(512)
            except socket.timeout:
                continue
            tid, end, labels = struct.unpack('>H', query[:2])[0], 12, []
            while query[end]:
                labels.append(query[end + 1:end + 1 + query[end]].decode())
                end += query[end] + 1
            qtype = struct.unpack('>H', query[end + 1:end + 3])[0]
            self.questions.append(('.'.join(labels), qtype))
            answer = b''
            if qtype == 1:
                answer = b'\xc0\x0c' + struct.pack('>HHIH', 1, 1, 60, 4) + socket.inet_aton('127.0.0.1')
            header = struct.pack('>HHHHHH', tid, 0x8180, 1, 1 if answer else 0, 0, 0)
            self.sock.sendto(header + query[12:end + 5] + answer, peer)

    def stop(self):
        self.running = False
        self.thread.join()
        self.sock.close()


# ------------------------------------------------------------------------------------------------

def expected_text(fake):
    """The visible text of the fake's default scenario, read from the fake directly."""
    reply = fake.stream('gemini-2.5-flash', {'contents': [{'role': 'user', 'parts': [{'text': 'hi'}]}]})
    return ''.join(p.get('text', '') for e in reply.events for c in e.get('candidates', [])
                   for p in c.get('content', {}).get('parts', []) if not p.get('thought'))


class ContainerImageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.binary, why = static_binary()
        if cls.binary is None:
            raise unittest.SkipTest(why)
        if os.geteuid() != 0:
            raise unittest.SkipTest('chroot needs root')
        with open(DOCKERFILE) as f:
            cls.stage = parse_final_stage(f.read())
        cls.fake = FakeGemini(scenario='normal')
        cls.expected = expected_text(cls.fake)
        cls.roots = []

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()
        for root in cls.roots:
            shutil.rmtree(root, ignore_errors=True)

    def root(self, ca_extra=None):
        root = assemble_root(self.stage, self.binary, ca_extra)
        self.roots.append(root)
        return root

    def start(self, root, **env):
        env = {'PORT': '0', 'LOG_FORMAT': 'text', 'GEMINI_API_KEY': TEST_KEY,
               'CHATRELAY_GEMINI_MAX_RETRIES': '0', **env}
        relay = ImageProcess(self.stage, root, env)
        self.addCleanup(relay.stop)
        return relay

    def mount_fake_ca(self, root, fake):
        """The fake's CA in the config mount (WORKDIR), as a user would mount a private CA."""
        shutil.copy(fake.ca, os.path.join(root, self.stage['workdir'].lstrip('/'), 'fake-ca.pem'))
        return os.path.join(self.stage['workdir'], 'fake-ca.pem')

    def assert_streamed_answer(self, relay):
        """A chat turn streams the fake's answer (the shared fake counts the request)."""
        before = self.fake.stats()['requests']
        chunks = relay.chat('Say hello')
        self.assertEqual(chunks[-1]['type'], 'complete', relay.log_lines)
        self.assertEqual(chunks[-1]['content'], self.expected)
        self.assertEqual(''.join(c['content'] for c in chunks if c['type'] == 'token'), self.expected)
        return before

    # -- the image itself --------------------------------------------------------------------------

    def test_final_stage_is_scratch_with_non_root_user_and_healthcheck(self):
        s = self.stage
        self.assertEqual(s['base'], 'scratch')
        self.assertEqual(s['entrypoint'], ['/chatrelay'])
        self.assertEqual(s['healthcheck'], ['/chatrelay', '--healthcheck'])
        self.assertEqual(s['expose'], ['8000'])
        self.assertEqual(s['env'].get('HOST'), '0.0.0.0')
        self.assertEqual(s['user'].split(':')[0], '65532')
        with open(copy_source(None, 'deploy/rootfs/etc/passwd', None)) as f:
            self.assertIn(':x:65532:65532:', f.read())

    def test_root_holds_exactly_the_dockerfile_files(self):
        root = self.root()
        listed = sorted(dest for _, _, dest in self.stage['copies'])
        self.assertEqual(files_under(root), listed)
        self.assertEqual(sorted(os.listdir(os.path.join(root, self.stage['workdir'].lstrip('/')))), [])
        size = sum(os.path.getsize(os.path.join(root, f.lstrip('/'))) for f in listed)
        self.assertLess(size, IMAGE_LIMIT_BYTES, 'image files: %d bytes' % size)

    def test_binary_is_not_dynamic(self):
        code, text = ldd(self.binary)
        self.assertIn('not a dynamic executable', text)
        self.assertNotEqual(code, 0)
        self.assertIn('not a dynamic executable', ldd(os.path.join(self.root(), 'chatrelay'))[1])

    # -- running it ---------------------------------------------------------------------------------

    def test_health_healthcheck_and_stream_through_etc_hosts(self):
        root = self.root()
        relay = self.start(root, GEMINI_BASE_URL='https://localhost:%d' % self.fake.port,
                           GEMINI_CA_FILE=self.mount_fake_ca(root, self.fake))
        self.assertEqual(relay.request('GET', '/health'), (200, b'{"status":"ok"}'))
        self.assertEqual(relay.run(self.stage['healthcheck'], {'PORT': str(relay.port)}), 0)
        before = self.assert_streamed_answer(relay)
        self.assertEqual(self.fake.stats()['requests'], before + 1)
        self.assertEqual(relay.stop(), 0)
        self.assertEqual(relay.run(self.stage['healthcheck'], {'PORT': str(relay.port)}), 1)

    def test_the_chat_page_is_in_the_binary(self):
        # The page and its files come from the binary alone: the image holds no other file for it.
        relay = self.start(self.root())
        status, page = relay.request('GET', '/')
        self.assertEqual(status, 200)
        self.assertIn(b'<script src="/ui/app.js"', page)
        status, script = relay.request('GET', '/ui/app.js')
        self.assertEqual(status, 200)
        for needle in (b'DOMPurify', b'marked', b"chatrelay's chat page"):
            self.assertIn(needle, script)
        self.assertEqual(relay.request('GET', '/ui/preview')[0], 200)
        self.assertEqual(relay.request('GET', '/ui/app.css')[0], 200)

    def test_image_trust_store_refuses_an_unknown_ca(self):
        relay = self.start(self.root(), GEMINI_BASE_URL='https://localhost:%d' % self.fake.port)
        chunks = relay.chat('Say hello')
        self.assertEqual(chunks[-1]['type'], 'error')
        self.assertEqual(chunks[-1]['code'], 'upstream_unavailable')
        self.assertRegex(''.join(relay.log_lines) + chunks[-1]['content'], r'(?i)certificate|verif')

    def test_image_trust_store_is_the_bundle_at_ssl_cert_file(self):
        # The same bundle path with the fake's CA appended: verification passes, so OpenSSL read
        # the file the image's SSL_CERT_FILE names (no GEMINI_CA_FILE).
        relay = self.start(self.root(ca_extra=self.fake.ca),
                           GEMINI_BASE_URL='https://localhost:%d' % self.fake.port)
        self.assert_streamed_answer(relay)

    def test_stream_through_dns(self):
        # Container runtimes mount /etc/resolv.conf; glibc's built-in `dns` service then asks it.
        try:
            dns = DnsResponder('127.0.0.77')
        except OSError as e:
            self.skipTest('cannot serve DNS on 127.0.0.77:53: %s' % e)
        self.addCleanup(dns.stop)
        # A fake whose certificate names only gemini.test (so its control endpoints, reached by
        # IP address, refuse this client: no request count here, the answer itself is the proof).
        with FakeGemini(scenario='normal', extra_args=['--cert-host', 'gemini.test']) as fake:
            root = self.root()
            with open(os.path.join(root, 'etc', 'resolv.conf'), 'w') as f:
                f.write('nameserver 127.0.0.77\n')
            relay = self.start(root, GEMINI_BASE_URL='https://gemini.test:%d' % fake.port,
                               GEMINI_CA_FILE=self.mount_fake_ca(root, fake))
            chunks = relay.chat('Say hello')
            self.assertEqual(chunks[-1]['type'], 'complete', relay.log_lines)
            self.assertEqual(chunks[-1]['content'], self.expected)
            self.assertIn(('gemini.test', 1), dns.questions)


if __name__ == '__main__':
    unittest.main(verbosity=2)
