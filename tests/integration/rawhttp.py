"""Raw-socket HTTP for tests where the bytes matter (a dict of headers hides a repeated one)."""
import socket
import time


def exchange(port, data, timeout=5, host="127.0.0.1"):
    """Sends `data` on a new connection and returns every byte read until the server closes (or
    `timeout` passes without a byte)."""
    s = socket.create_connection((host, port), timeout=timeout)
    try:
        s.sendall(data)
        return read_all(s)
    finally:
        s.close()


def read_all(s):
    out = b""
    while True:
        try:
            chunk = s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not chunk:
            break
        out += chunk
    return out


def read_head(s, deadline_s=5):
    """Reads from `s` up to the end of one response head; returns (head bytes, bytes after it)."""
    buf = b""
    end = time.monotonic() + deadline_s
    while b"\r\n\r\n" not in buf:
        if time.monotonic() > end:
            raise TimeoutError("no response head: %r" % buf[:200])
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed before a response head: %r" % buf[:200])
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    return head, rest


def read_response(s, deadline_s=5):
    """Reads one Content-Length response from `s`; returns (head bytes, body bytes)."""
    head, rest = read_head(s, deadline_s)
    lines = head.decode("latin-1").split("\r\n")
    n = int((headers_named(lines, "Content-Length") or ["0"])[0])
    while len(rest) < n:
        chunk = s.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head, rest[:n]


def head_lines(response):
    """The status line and header lines of the first response in `response` (bytes), as text."""
    head = response.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    return head.split("\r\n")


def status_of(response):
    return int(head_lines(response)[0].split()[1])


def headers_named(lines, name):
    """Every value of header `name` (case-insensitive) among `lines` (from head_lines)."""
    name = name.lower()
    return [l.split(":", 1)[1].strip() for l in lines[1:] if l.split(":", 1)[0].strip().lower() == name]


def body_of(response):
    return response.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in response else b""
