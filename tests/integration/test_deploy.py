"""deploy/ as shipped (README "Scaling out"), run here without Docker or systemd: the systemd units
pass `systemd-analyze verify`, and the compose file's topology runs as written — its Redis command
line, its chatrelay environment for each of its replicas, and its nginx site (Debian's nginx 1.22
has no `server ... resolve`, so the replicas are listed by address instead of by Docker's DNS name;
everything else in the site is used as it is). Run by /usr/bin/python3: the compose file is read
with Debian's python3-yaml."""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake import FakeGemini  # noqa: E402
from harness import CHATRELAY_BIN, Chatrelay, user, wait_until  # noqa: E402
import redis_server  # noqa: E402

DEPLOY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "deploy")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


class Through:
    """The harness's request helpers, aimed at another port (nginx in front of the replicas)."""

    connection = Chatrelay.connection
    request = Chatrelay.request
    chat = Chatrelay.chat

    def __init__(self, port):
        self.port = port


@unittest.skipUnless(SYSTEMD_ANALYZE, "no systemd-analyze")
class SystemdUnits(unittest.TestCase):
    def test_the_units_verify(self):
        for name in ("chatrelay.service", "chatrelay@.service"):
            with self.subTest(unit=name), tempfile.TemporaryDirectory() as tmp:
                with open(os.path.join(DEPLOY, name)) as f:
                    text = f.read()
                self.assertIn("ExecStart=/usr/local/bin/chatrelay", text)
                # The unit as installed, with the binary where this build has it.
                unit = os.path.join(tmp, name.replace("@.", "@1."))
                with open(unit, "w") as f:
                    f.write(text.replace("/usr/local/bin/chatrelay", os.path.abspath(CHATRELAY_BIN)))
                r = subprocess.run([SYSTEMD_ANALYZE, "verify", "--man=no", unit], capture_output=True,
                                   text=True, timeout=60)
                # Only the unit's own lines count: on a host without systemd running, verify also
                # speaks of the host's units.
                own = [line for line in (r.stdout + r.stderr).splitlines() if os.path.basename(unit) in line]
                self.assertEqual(own, [], r.stdout + r.stderr)


@unittest.skipUnless(redis_server.available() and os.access(NGINX, os.X_OK), "no redis-server or nginx")
class ComposeTopology(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(DEPLOY, "compose.yaml")) as f:
            cls.compose = yaml.safe_load(f)
        cls.tmp = tempfile.TemporaryDirectory(prefix="chatrelay-compose-")
        cls.password = "a-long-random-password"
        cls.fake = FakeGemini()
        cls.redis = None
        cls.relays = []
        cls.nginx = None
        try:
            cls._start()
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def _start(cls):
        services = cls.compose["services"]
        # Redis with the compose file's command line, on 127.0.0.1 and a free port.
        command = [a.replace("${REDIS_PASSWORD:?set REDIS_PASSWORD in .env}", cls.password)
                   for a in services["redis"]["command"]]
        assert command[0] == "redis-server", command
        port = redis_server.free_port()
        cls.redis = subprocess.Popen([redis_server.REDIS_SERVER, *command[1:], "--port", str(port),
                                      "--bind", "127.0.0.1", "--dir", cls.tmp.name],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Each replica with the compose file's environment; the host names are Docker's.
        service = services["chatrelay"]
        env = {}
        for key, value in service["environment"].items():
            value = str(value).replace("${REDIS_PASSWORD}", cls.password)
            env[key] = value.replace("@redis:6379", "@127.0.0.1:%d" % port)
        env["LOG_FORMAT"] = "text"  # the harness reads the text log line that names the port
        cls.env = env
        wait_until(lambda: cls._port_open(port), timeout=10)
        for _ in range(service["deploy"]["replicas"]):
            cls.relays.append(Chatrelay(fake=cls.fake, env=env))
        # nginx with the compose file's site.
        with open(os.path.join(DEPLOY, "nginx-compose.conf")) as f:
            site = f.read()
        servers = "".join("server 127.0.0.1:%d;\n    " % r.port for r in cls.relays)
        site, n = re.subn(r"server chatrelay:8000 resolve;\n    ", servers, site)
        assert n == 1, "nginx-compose.conf no longer names its upstream as expected"
        site = re.sub(r"(?m)^resolver .*$", "", site)
        cls.nginx_port = redis_server.free_port()
        site, n = re.subn(r"listen 80;", "listen 127.0.0.1:%d;" % cls.nginx_port, site)
        assert n == 1
        prefix = cls.tmp.name
        temps = "".join("%s_temp_path %s/%s;\n" % (t, prefix, t)
                        for t in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        conf = os.path.join(prefix, "nginx.conf")
        with open(conf, "w") as f:
            f.write("pid %s/nginx.pid;\nerror_log %s/error.log;\ndaemon off;\nevents {}\nhttp {\n"
                    "access_log off;\n%s%s\n}\n" % (prefix, prefix, temps, site))
        cls.nginx = subprocess.Popen([NGINX, "-e", "stderr", "-p", prefix, "-c", conf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wait_until(lambda: cls._port_open(cls.nginx_port) or cls.nginx.poll() is not None, timeout=10)
        if cls.nginx.poll() is not None:
            raise RuntimeError("nginx did not start: " + cls.nginx.stderr.read())

    @staticmethod
    def _port_open(port):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False

    @classmethod
    def tearDownClass(cls):
        if cls.nginx and cls.nginx.poll() is None:
            cls.nginx.send_signal(signal.SIGQUIT)
            try:
                cls.nginx.wait(10)
            except subprocess.TimeoutExpired:
                cls.nginx.kill()
        for r in cls.relays:
            r.stop()
        if cls.redis and cls.redis.poll() is None:
            cls.redis.kill()
            cls.redis.wait(10)
        cls.fake.stop()
        cls.tmp.cleanup()

    def served(self):
        return [r.metric("chatrelay_http_requests_total", '{route="/api/chat/stream",status="200"}') or 0
                for r in self.relays]

    def test_any_replica_continues_any_session_the_limit_is_shared_and_a_stopped_one_is_passed_over(self):
        front = Through(self.nginx_port)
        before = self.served()
        texts = ["first", "second", "third"]
        for text in texts:
            status, _, chunks = front.chat([user(text)], session_id="compose-1")
            self.assertEqual((status, chunks[-1]["type"]), (200, "complete"), chunks)
        # nginx took the three turns round the three replicas, and each saw the turns before it.
        self.assertEqual([a - b for a, b in zip(self.served(), before)], [1, 1, 1])
        contents = self.fake.requests()[-1]["body"]["contents"]
        self.assertEqual([c["parts"][0]["text"] for c in contents if c["role"] == "user"], texts)
        # The compose file's session limit (1 a second, a burst of 3) holds over all replicas: a
        # fourth turn at once is refused, whichever replica gets it.
        status, headers, body = front.chat([user("fourth")], session_id="compose-1")
        self.assertEqual(status, 429, body)
        self.assertIn("retry-after", headers)
        # A replica stopped (as `up --no-deps chatrelay` replaces them one by one): nginx passes
        # over it (proxy_next_upstream error), and every turn still lands with its history.
        self.assertEqual(self.relays[-1].terminate(timeout=20), 0)
        for i in range(4):  # round the replicas at least once
            status, _, chunks = front.chat([user("after a stop %d" % i)], session_id="compose-2")
            self.assertEqual((status, chunks[-1]["type"]), (200, "complete"), chunks)
            time.sleep(1.05)  # the session limit: one a second once the burst is spent
        contents = self.fake.requests()[-1]["body"]["contents"]
        self.assertEqual(len([c for c in contents if c["role"] == "user"]), 4)


if __name__ == "__main__":
    unittest.main(verbosity=2)
