#!/usr/bin/env python3
"""Stream load client for bench/run (python3 stdlib, asyncio protocols, client-side clocks).

  latency  N concurrent streams, one request each, against chatrelay (--relay-port: POST
           /api/chat/stream, NDJSON, a token is a {"type":"token" line) and/or straight against the
           fake Gemini (--direct-port --ca: the Gemini path over TLS, a token is a "data: " event)
           and/or a plain-HTTP reverse proxy in front of it (--proxy-port: the Gemini path, e.g.
           nginx), rounds alternating between them. Time to first token = request written → first token
           bytes read; gaps = between consecutive tokens (tokens read together: 0); ttfb = request
           written → response head read (both answer the head at once). perf_counter_ns.
  hold     opens N streams (ramped) to chatrelay (--relay-port) or through a plain-HTTP proxy on
           the Gemini path (--proxy-port, e.g. nginx), waits until every one has its first token,
           samples the RSS and open fds of --rss-pid while all are open, then closes them; ttfb and
           ttft as above, over the ramp.

Prints one JSON object on stdout.
"""
import argparse
import asyncio
import json
import math
import os
import random
import resource
import ssl
import sys
import time

CHAT_PATH = "/api/chat/stream"
GEMINI_PATH = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
GEMINI_BODY = b'{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}'
TERMINATOR = b"\r\n0\r\n\r\n"


def request_bytes(target: str, host: str, port: int, i: int) -> bytes:
    if target == "chatrelay":
        sid = f"load-{os.getpid()}-{i}-{random.getrandbits(48):012x}"
        body = ('{"session_id":"%s","messages":[{"role":"user","content":"hi"}]}' % sid).encode()
        head = f"POST {CHAT_PATH} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
    else:
        body = GEMINI_BODY
        head = (f"POST {GEMINI_PATH} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
                "x-goog-api-key: bench-key\r\n")
    return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body


class Stream(asyncio.BufferedProtocol):
    """One streaming request. Counts token markers per read (split-safe) and records read times.

    A BufferedProtocol: asyncio's plain-socket transport otherwise allocates a fresh 256 KiB bytes
    object for every recv(), which costs ~0.2 ms here (mmap + page faults) and made this client,
    not the server, the bottleneck at 100 streams."""

    def __init__(self, marker: bytes, buffer_size: int = 64 * 1024):
        loop = asyncio.get_running_loop()
        self.buffer = bytearray(buffer_size)
        self.view = memoryview(self.buffer)
        self.marker = marker
        self.marker_tail = b""
        self.end_tail = b""
        self.head = b""
        self.status = None
        self.sent_ns = None
        self.head_ns = None  # the response head (status line and headers) read
        self.reads = []  # (perf_counter_ns, tokens completed in this read)
        self.first = loop.create_future()
        self.done = loop.create_future()
        self.transport = None
        self.error = None

    def connection_made(self, transport):
        self.transport = transport

    def send(self, data: bytes):
        self.sent_ns = time.perf_counter_ns()
        self.transport.write(data)

    def _finish(self, error=None):
        self.error = self.error or error
        if not self.done.done():
            self.done.set_result(error is None)
        if not self.first.done():
            self.first.set_result(None)

    def get_buffer(self, sizehint):
        return self.view

    def buffer_updated(self, nbytes):
        self.data_received(bytes(self.view[:nbytes]))

    def data_received(self, data: bytes):
        now = time.perf_counter_ns()
        if self.status is None:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            self.status = int(self.head[9:12])
            self.head_ns = now
            data, self.head = self.head[end + 4:], b""
            if self.status != 200:
                self._finish(f"status {self.status}")
                return
        buf = self.marker_tail + data
        n = buf.count(self.marker)
        if n:
            self.reads.append((now, n))
            if not self.first.done():
                self.first.set_result(now)
        self.marker_tail = buf[-(len(self.marker) - 1):]
        self.end_tail = (self.end_tail + data)[-len(TERMINATOR):]
        if self.end_tail == TERMINATOR:
            self._finish()

    def connection_lost(self, exc):
        if not self.done.done():
            self._finish(f"closed early: {exc}" if exc else "closed early")

    def close(self):
        if self.transport and not self.transport.is_closing():
            self.transport.close()


def percentiles(values_ns):
    if not values_ns:
        return None
    v = sorted(values_ns)

    def pct(p):
        return v[max(0, math.ceil(p / 100 * len(v)) - 1)] / 1000.0

    return {"n": len(v), "p50_us": pct(50), "p90_us": pct(90), "p99_us": pct(99), "max_us": v[-1] / 1000.0,
            "mean_us": sum(v) / len(v) / 1000.0}


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def connect(args, marker, sslctx, port, buffer_size=64 * 1024):
    loop = asyncio.get_running_loop()
    _, proto = await asyncio.wait_for(
        loop.create_connection(lambda: Stream(marker, buffer_size), args.host, port, ssl=sslctx,
                               server_hostname=args.host if sslctx else None),
        timeout=args.connect_timeout)
    return proto


async def connect_limited(args, marker, sslctx, sem, port):
    async with sem:
        return await connect(args, marker, sslctx, port)


async def one_pass(args, target, port, sslctx):
    """One round: N streams against one endpoint. Returns raw samples (ns) and counters."""
    loop = asyncio.get_running_loop()
    marker = b'{"type":"token"' if target == "chatrelay" else b"data: "
    sem = asyncio.Semaphore(args.connect_concurrency)
    opened = await asyncio.gather(*(connect_limited(args, marker, sslctx, sem, port) for _ in range(args.streams)),
                                  return_exceptions=True)
    streams = [p for p in opened if isinstance(p, Stream)]
    out = {"ttfb": [], "ttft": [], "gap": [], "tokens": [], "ok": 0, "connect_failures": len(opened) - len(streams),
           "errors": {}, "cpu_s": 0.0, "wall_s": 0.0}
    cpu0, wall0 = cpu_seconds(), time.monotonic()
    # Starts spread evenly over --spread-ms (independent users, not one synchronised burst).
    for i, s in enumerate(streams):
        loop.call_later(args.spread_ms / 1000.0 * i / max(1, len(streams)), s.send,
                        request_bytes(target, args.host, port, i))
    if streams:
        await asyncio.wait([s.done for s in streams], timeout=args.timeout)
    out["wall_s"], out["cpu_s"] = time.monotonic() - wall0, cpu_seconds() - cpu0
    for s in streams:
        if s.done.done() and s.done.result():
            out["ok"] += 1
        else:
            key = s.error or "timeout"
            out["errors"][key] = out["errors"].get(key, 0) + 1
        if s.head_ns is not None and s.sent_ns is not None:
            out["ttfb"].append(s.head_ns - s.sent_ns)
        if s.reads and s.sent_ns is not None:
            out["ttft"].append(s.reads[0][0] - s.sent_ns)
        prev, count = None, 0
        for t, n in s.reads:
            for _ in range(n):
                if prev is not None:
                    out["gap"].append(t - prev)  # tokens read together: gap 0
                prev = t
                count += 1
        out["tokens"].append(count)
        s.close()
    await asyncio.sleep(0.05)
    return out


def summarize(passes):
    merged = {"ttfb": [], "ttft": [], "gap": [], "tokens": []}
    for p in passes:
        for k in merged:
            merged[k] += p[k]
    errors = {}
    for p in passes:
        for k, v in p["errors"].items():
            errors[k] = errors.get(k, 0) + v
    wall = sum(p["wall_s"] for p in passes)
    return {"rounds": len(passes), "ok": sum(p["ok"] for p in passes),
            "connect_failures": sum(p["connect_failures"] for p in passes), "errors": errors,
            "client_cpu_pct": round(100 * sum(p["cpu_s"] for p in passes) / wall, 1) if wall else None,
            "tokens_min": min(merged["tokens"], default=0), "tokens_max": max(merged["tokens"], default=0),
            "ttfb": percentiles(merged["ttfb"]), "ttft": percentiles(merged["ttft"]),
            "gap": percentiles(merged["gap"])}


async def latency(args):
    """Rounds alternate relay and direct passes, so background load hits both alike."""
    targets = []
    if args.relay_port:
        targets.append(("relay", "chatrelay", args.relay_port, None))
    if args.direct_port:
        targets.append(("direct", "gemini", args.direct_port, ssl.create_default_context(cafile=args.ca)))
    if args.proxy_port:
        targets.append(("proxy", "gemini", args.proxy_port, None))
    if args.warmup and args.relay_port:
        await one_pass(args, "chatrelay", args.relay_port, None)  # fills the upstream pool
    if args.warmup and args.proxy_port:
        await one_pass(args, "gemini", args.proxy_port, None)  # the proxy's upstream pool too
    passes = {name: [] for name, *_ in targets}
    for _ in range(args.rounds):
        for name, target, port, sslctx in targets:
            passes[name].append(await one_pass(args, target, port, sslctx))
    result = {"mode": "latency", "streams": args.streams, "rounds": args.rounds, "spread_ms": args.spread_ms}
    for name in passes:
        result[name] = summarize(passes[name])
    return result


def cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime


def read_status(pid: int):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:", "RssAnon:")):
                k, v = line.split(":", 1)
                out[k] = int(v.split()[0])
    return out


async def hold(args):
    if args.proxy_port:
        target, port, marker = "gemini", args.proxy_port, b"data: "
    else:
        target, port, marker = "chatrelay", args.relay_port, b'{"type":"token"'
    sem = asyncio.Semaphore(args.connect_concurrency)
    streams = []

    async def open_stream(i):
        # The semaphore covers connect → first token, so the ramp never floods the listen backlog.
        async with sem:
            proto = await connect(args, marker, None, port, 4096)  # thousands of them
            streams.append(proto)
            proto.send(request_bytes(target, args.host, port, i))
            await asyncio.shield(proto.first)
            if not proto.reads:
                raise RuntimeError(proto.error or "no token")

    t0 = time.monotonic()
    tasks = [asyncio.ensure_future(open_stream(i)) for i in range(args.streams)]
    _, pending = await asyncio.wait(tasks, timeout=args.timeout)
    for t in pending:
        t.cancel()
    ramp_s = time.monotonic() - t0
    failures = {"ramp timeout": len(pending)} if pending else {}
    for t in tasks:
        if t in pending:
            continue
        if t.exception() is not None:
            r = t.exception()
            k = (type(r).__name__ + (f": {r}" if str(r) else ""))[:80]
            failures[k] = failures.get(k, 0) + 1
    samples = []
    ticks0, t_hold = cpu_ticks(args.rss_pid), time.monotonic()
    end = time.monotonic() + args.hold_s
    while True:
        st = read_status(args.rss_pid)
        st["alive"] = sum(1 for s in streams if s.reads and not s.done.done())
        st["fds"] = len(os.listdir(f"/proc/{args.rss_pid}/fd"))
        samples.append(st)
        if time.monotonic() >= end:
            break
        await asyncio.sleep(0.25)
    held_s = time.monotonic() - t_hold
    server_cpu = 100.0 * (cpu_ticks(args.rss_pid) - ticks0) / os.sysconf("SC_CLK_TCK") / held_s
    ttfb = [s.head_ns - s.sent_ns for s in streams if s.head_ns is not None and s.sent_ns is not None]
    ttft = [s.reads[0][0] - s.sent_ns for s in streams if s.reads and s.sent_ns is not None]
    for s in streams:
        s.close()
    await asyncio.sleep(0.2)
    last = samples[-1]
    return {"mode": "hold", "streams": args.streams, "alive": last["alive"],
            "alive_min": min(s["alive"] for s in samples), "failures": failures, "ramp_s": round(ramp_s, 2),
            "rss_kib": last["VmRSS"], "rss_max_kib": max(s["VmRSS"] for s in samples),
            "hwm_kib": last.get("VmHWM"), "fds": last["fds"], "samples": len(samples),
            "server_cpu_pct": round(server_cpu, 1), "ttfb": percentiles(ttfb), "ttft": percentiles(ttft)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["latency", "hold"])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--relay-port", type=int, help="chatrelay (plain HTTP, POST /api/chat/stream)")
    ap.add_argument("--direct-port", type=int, help="latency: the fake Gemini itself (TLS, Gemini path)")
    ap.add_argument("--ca", help="CA file for --direct-port")
    ap.add_argument("--proxy-port", type=int, help="a plain-HTTP proxy in front of the fake (Gemini path)")
    ap.add_argument("--streams", type=int, default=1)
    ap.add_argument("--spread-ms", type=float, default=20.0, help="latency: start requests over this long")
    ap.add_argument("--connect-concurrency", type=int, default=256)
    ap.add_argument("--connect-timeout", type=float, default=20.0)
    ap.add_argument("--rounds", type=int, default=1, help="latency: passes per endpoint, samples pooled")
    ap.add_argument("--warmup", action="store_true", help="latency: one unmeasured relay pass first")
    ap.add_argument("--timeout", type=float, default=60.0, help="latency: whole pass; hold: the whole ramp")
    ap.add_argument("--hold-s", type=float, default=2.0)
    ap.add_argument("--rss-pid", type=int)
    args = ap.parse_args()
    if args.mode == "hold" and not (args.rss_pid and (args.relay_port or args.proxy_port)):
        ap.error("hold needs --rss-pid and --relay-port or --proxy-port")
    if args.mode == "latency" and not (args.relay_port or args.direct_port or args.proxy_port):
        ap.error("latency needs --relay-port, --direct-port and/or --proxy-port")
    if args.direct_port and not args.ca:
        ap.error("--direct-port needs --ca")
    result = asyncio.run(latency(args) if args.mode == "latency" else hold(args))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
