#!/usr/bin/env python3
"""bench/http2's report: added TTFT p99 per concurrency for chatrelay over h2, over HTTP/1.1 and
nginx as proxy (each round's p99 minus the direct p99 of the same round, median over the rounds,
as bench/run judges added latency), the held-open rows, and a gnuplot PNG of the first table.
Usage: http2_report.py RESULTS_DIR   (writes RESULTS_DIR/http2.md and ttft-p99.png, prints the md)"""
import json
import os
import statistics
import subprocess
import sys


def added_p99_ms(d, who):
    """Median over rounds of (who's p99 - direct p99) in ms, or None."""
    if who not in d or "direct" not in d:
        return None
    pairs = zip(d[who]["passes"], d["direct"]["passes"])
    diffs = [(a["ttft"]["p99_us"] - b["ttft"]["p99_us"]) / 1e3 for a, b in pairs if a["ttft"]["n"] and b["ttft"]["n"]]
    return statistics.median(diffs) if diffs else None


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def p99_ms(d, key):
    """A hold's p99 of `key` (ttfb, ttft) over its ramp, in ms."""
    return "%.1f ms" % (d[key]["p99_us"] / 1e3) if d.get(key) else "—"


def fmt(v):
    return "—" if v is None else "%+.1f" % v


def main():
    res = sys.argv[1]
    lines = ["| streams | start spread | chatrelay h2 | chatrelay HTTP/1.1 | nginx (HTTP/1.1 upstream) | direct TTFT p99 | errors h2 / h1 |",
             "|---:|---:|---:|---:|---:|---:|---|"]
    chart = []
    for n, tag in [(1, ""), (100, ""), (1000, ""), (1000, "-steady")]:
        h2 = load(os.path.join(res, "latency-h2-%d%s.json" % (n, tag)))
        h1 = load(os.path.join(res, "latency-h1-%d%s.json" % (n, tag)))
        if not h2 or not h1:
            continue
        a2, a1, an = added_p99_ms(h2, "relay"), added_p99_ms(h1, "relay"), added_p99_ms(h2, "proxy")
        direct = h2["direct"]["ttft"]["p99_us"] / 1e3
        errs = "%d / %d" % (sum(h2["relay"]["errors"].values()) + h2["relay"]["connect_failures"],
                            sum(h1["relay"]["errors"].values()) + h1["relay"]["connect_failures"])
        lines.append("| %d | %g ms | %s ms | %s ms | %s ms | %.1f ms | %s |" % (n, h2["spread_ms"], fmt(a2), fmt(a1), fmt(an), direct, errs))
        if not tag:
            chart.append((n, a2, a1, an))
    lines += ["", "| held open | alive | RSS held (idle) | per stream | fds (idle) | first byte p99 | first token p99 | upstream |",
              "|---|---:|---:|---:|---:|---:|---:|---|"]
    for tag in ["h2-2000", "nginx-2000", "h1-2000", "h2-10000"]:
        d = load(os.path.join(res, "hold-%s.json" % tag))
        if not d:
            continue
        lines.append("| %s | %d / %d | %d KiB (%d) | %.1f KiB | %d (%d) | %s | %s | %s |" % (
            tag, d["alive"], d["streams"], d["rss_max_kib"], d["idle_rss_kib"], d["per_stream_kib"], d["fds"],
            d["idle_fds"], p99_ms(d, "ttfb"), p99_ms(d, "ttft"), d.get("upstream", "")))
    md = "\n".join(lines) + "\n"
    with open(os.path.join(res, "http2.md"), "w") as f:
        f.write(md)
    print(md)
    if chart:
        data = os.path.join(res, "ttft-p99.tsv")
        with open(data, "w") as f:
            for n, a2, a1, an in chart:
                f.write("%d %s %s %s\n" % (n, *("NaN" if v is None else "%.3f" % v for v in (a2, a1, an))))
        script = f"""set terminal pngcairo size 800,480
set output '{os.path.join(res, "ttft-p99.png")}'
set title 'Added time to first token, p99 (streams started within 20 ms)'
set xlabel 'concurrent streams'
set ylabel 'added TTFT p99 (ms)'
set logscale x
set key top left
set grid
plot '{data}' using 1:2 with linespoints title 'chatrelay h2', \\
     '{data}' using 1:3 with linespoints title 'chatrelay HTTP/1.1', \\
     '{data}' using 1:4 with linespoints title 'nginx proxy (HTTP/1.1 upstream)'
"""
        subprocess.run(["gnuplot"], input=script, text=True, check=False)


if __name__ == "__main__":
    main()
