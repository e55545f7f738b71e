#!/usr/bin/env python3
"""Start-up time for bench/run: launch the command, then connect to 127.0.0.1:PORT every 0.2 ms
until a TCP connect succeeds and GET /health answers 200. Repeats, stops the server each time
(SIGTERM), prints JSON with every run and the medians (milliseconds, time.perf_counter_ns).

    startup.py --port 18000 --runs 5 -- build/src/chatrelay    (environment passed through)
"""
import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time


def health_ok(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.startswith(b"HTTP/1.1 200")


def one_run(cmd, port: int, timeout_s: float):
    t0 = time.perf_counter_ns()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        connected = None
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"exited with {proc.returncode} before accepting")
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=1)
            except OSError:
                time.sleep(0.0002)
                continue
            connected = time.perf_counter_ns()
            s.close()
            break
        if connected is None:
            raise RuntimeError("no connection within the timeout")
        if not health_ok(port):
            raise RuntimeError("/health did not answer 200")
        healthy = time.perf_counter_ns()
        return (connected - t0) / 1e6, (healthy - t0) / 1e6
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd and args.cmd[0] == "--" else args.cmd
    if not cmd:
        ap.error("give the command after --")
    runs = []
    for _ in range(args.runs):
        runs.append(one_run(cmd, args.port, args.timeout))
        time.sleep(0.1)
    json.dump({"runs": args.runs, "connect_ms": [round(c, 3) for c, _ in runs],
               "health_ms": [round(h, 3) for _, h in runs],
               "median_connect_ms": round(statistics.median(c for c, _ in runs), 3),
               "median_health_ms": round(statistics.median(h for _, h in runs), 3)}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
