"""A real redis-server for integration tests: 127.0.0.1, a free port, no persistence; restartable on
the same port. `available()` is False when /usr/bin/redis-server is missing (tests skip)."""
import os
import socket
import subprocess
import time

REDIS_SERVER = "/usr/bin/redis-server"


def available():
    return os.access(REDIS_SERVER, os.X_OK)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """`tls`: a directory holding server.pem, server-key.pem and ca.pem (as chatrelay-fake-gemini
    makes them): Redis then also listens with TLS on `tls_port` (`tls_url`); `port` stays plain."""

    def __init__(self, password=None, tls=None):
        self.port = free_port()
        self.tls_port = free_port() if tls else None
        self.tls = tls
        self.password = password
        self.proc = None
        self.start()

    @property
    def url(self):
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    @property
    def tls_url(self):
        auth = f":{self.password}@" if self.password else ""
        return f"rediss://{auth}127.0.0.1:{self.tls_port}/0"

    def start(self):
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--enable-debug-command", "yes"]
        if self.password:
            args += ["--requirepass", self.password]
        if self.tls:
            args += ["--tls-port", str(self.tls_port), "--tls-cert-file", os.path.join(self.tls, "server.pem"),
                     "--tls-key-file", os.path.join(self.tls, "server-key.pem"),
                     "--tls-ca-cert-file", os.path.join(self.tls, "ca.pem"), "--tls-auth-clients", "no"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                if self.tls_port:
                    socket.create_connection(("127.0.0.1", self.tls_port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.01)
        raise RuntimeError("redis-server did not start")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def command(self, *args, timeout=5):
        """One command over RESP (after AUTH when there is a password); returns the reply (bytes,
        int, list, None) or raises RuntimeError on an error reply."""
        commands = ([("AUTH", self.password)] if self.password else []) + [args]
        data = b""
        for command in commands:
            data += b"*%d\r\n" % len(command)
            for a in command:
                a = a if isinstance(a, bytes) else str(a).encode()
                data += b"$%d\r\n%s\r\n" % (len(a), a)
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            s.sendall(data)
            f = s.makefile("rb")
            replies = [self._read(f) for _ in commands]
        return replies[-1]

    def _read(self, f):
        line = f.readline().rstrip(b"\r\n")
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = f.read(n + 2)
            return data[:-2]
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._read(f) for _ in range(n)]
        raise RuntimeError("not RESP: %r" % line)

    def stop(self):
        self.kill()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
