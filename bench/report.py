#!/usr/bin/env python3
"""Renders the raw results bench/run collected in DIR as markdown (bench/RESULTS.md).

    report.py DIR > RESULTS.md

DIR holds: meta.tsv, notes.txt, commands.txt, order (wrk runs), wrk-*.{out,time,cpu,label,fake},
latency-*.json, hold-*.json, footprint.tsv, startup.json, load.txt.
"""
import json
import os
import statistics
import sys

CLK_TCK = os.sysconf("SC_CLK_TCK")


def read(path, default=None):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default


def read_tsv(path):
    out = {}
    for line in (read(path) or "").splitlines():
        if "\t" in line:
            k, v = line.split("\t", 1)
            out[k] = v
    return out


def read_json(path):
    text = read(path)
    if not text:
        return None
    try:
        return json.loads(text.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None


def wrk_record(d, name):
    out = read(os.path.join(d, f"wrk-{name}.out"))
    if out is None:
        return None
    rec = {"name": name, "label": (read(os.path.join(d, f"wrk-{name}.label")) or name).strip()}
    for line in out.splitlines():
        if line.startswith("BENCHJSON "):
            rec.update(json.loads(line[len("BENCHJSON "):]))
    if "rps" not in rec:
        rec["failed"] = out.strip().splitlines()[-1:] or ["no output"]
        return rec
    dur = rec["duration_us"] / 1e6
    rec["cpu"] = {}
    for line in (read(os.path.join(d, f"wrk-{name}.cpu")) or "").splitlines():
        role, ticks = line.split()
        rec["cpu"][role] = 100.0 * int(ticks) / CLK_TCK / dur
    t = (read(os.path.join(d, f"wrk-{name}.time")) or "").split()
    if len(t) >= 3:
        try:
            rec["cpu"]["wrk"] = 100.0 * (float(t[-2]) + float(t[-1])) / float(t[-3])
        except ValueError:
            pass
    fake = (read(os.path.join(d, f"wrk-{name}.fake")) or "").splitlines()
    if len(fake) == 2:
        try:
            a, b = json.loads(fake[0]), json.loads(fake[1])
            rec["upstream"] = {k: b[k] - a[k] for k in ("requests", "handshakes", "resumed", "connections")}
        except (ValueError, KeyError):
            pass
    return rec


def ms(us):
    return "–" if us is None else f"{us / 1000:.2f} ms"


def rps_cell(r):
    if not r:
        return "not run"
    if "rps" not in r:
        return "failed"
    return f"{r['rps']:,.0f} req/s (p50 {ms(r['p50_us'])}, p99 {ms(r['p99_us'])})"


def ratio(a, b):
    if not a or not b or "rps" not in a or "rps" not in b or not b["rps"]:
        return None
    return a["rps"] / b["rps"]


def histogram(path, name):
    """Cumulative bucket counts {le: count}, count and sum of one Prometheus histogram."""
    text = read(path) or ""
    buckets, count, total = {}, 0, 0.0
    for line in text.splitlines():
        if line.startswith(name + "_bucket{le=\""):
            le = line.split('"')[1]
            buckets[float("inf") if le == "+Inf" else float(le)] = int(line.split()[-1])
        elif line.startswith(name + "_count "):
            count = int(line.split()[-1])
        elif line.startswith(name + "_sum "):
            total = float(line.split()[-1])
    return buckets, count, total


def own_ttft(d, tag):
    """chatrelay's added-TTFT histogram over one latency pass: the snapshot after minus the one before."""
    name = "chatrelay_added_ttft_seconds"
    b0, c0, s0 = histogram(os.path.join(d, f"metrics-before-{tag}.txt"), name)
    b1, c1, s1 = histogram(os.path.join(d, f"metrics-after-{tag}.txt"), name)
    n = c1 - c0
    if not b1 or n <= 0:
        return None
    cum = {le: b1[le] - b0.get(le, 0) for le in sorted(b1)}
    p99 = next(le for le, c in cum.items() if c >= 0.99 * n)
    return {"count": n, "mean_ms": (s1 - s0) / n * 1000, "le_0.5": cum.get(0.0005, 0) / n,
            "le_1": cum.get(0.001, 0) / n, "p99_le_ms": p99 * 1000}


def instructions_per_request(path):
    """From lines "requests instructions" of a short and a long callgrind run: (instructions per
    request over the difference, requests in the difference), or None."""
    runs = [l.split() for l in (read(path) or "").splitlines()]
    runs = [(int(n), int(ir)) for n, ir, *_ in (r for r in runs if len(r) >= 2)]
    if len(runs) != 2 or runs[1][0] <= runs[0][0]:
        return None
    (n1, ir1), (n2, ir2) = runs
    return (ir2 - ir1) / (n2 - n1), n2 - n1


def verdict(ok):
    return "–" if ok is None else ("**PASS**" if ok else "**FAIL**")


def main():
    d = sys.argv[1]
    meta = read_tsv(os.path.join(d, "meta.tsv"))
    foot = read_tsv(os.path.join(d, "footprint.tsv"))
    order = [l.strip() for l in (read(os.path.join(d, "order")) or "").splitlines() if l.strip()]
    w = {name: wrk_record(d, name) for name in order}
    g = w.get
    lat = {tag: read_json(os.path.join(d, f"latency-{tag}.json")) for tag in ("1", "100", "100-unpinned", "1000", "1000-pool")}
    hold = {n: read_json(os.path.join(d, f"hold-{n}.json")) for n in ("small", "large")}
    start = read_json(os.path.join(d, "startup.json"))
    rows = []

    def row(what, mine, ref, rel, target="–", result="–"):
        rows.append(f"| {what} | {mine} | {ref} | {rel} | {target} | {result} |")

    def rel_cell(r):
        return "–" if r is None else f"{r:.2f}×"

    def judged_pairs(mine, ref):
        """The alternating pairs (mine, ref), (ref-r2, mine-r2), (mine-r3, ref-r3), ...: the ratio of
        the mean rates (the verdict), cells for both sides, and every pair's own ratio."""
        pairs = [(g(mine + sfx), g(ref + sfx)) for sfx in [""] + [f"-r{i}" for i in range(2, 21)]]
        pairs = [(a, b) for a, b in pairs if ratio(a, b) is not None]
        if not pairs:
            return rps_cell(g(mine)), rps_cell(g(ref)), None, ""
        if len(pairs) == 1:
            a, b = pairs[0]
            return rps_cell(a), rps_cell(b), ratio(a, b), ""

        def mean_cell(runs):
            rates = [x["rps"] for x in runs]
            med = lambda k: statistics.median(x[k] for x in runs)
            return (f"{statistics.mean(rates):,.0f} req/s, mean of {len(runs)} runs "
                    f"({min(rates):,.0f}–{max(rates):,.0f}; median p50 {ms(med('p50_us'))}, p99 {ms(med('p99_us'))})")

        mine_runs, ref_runs = [a for a, _ in pairs], [b for _, b in pairs]
        r = statistics.mean(x["rps"] for x in mine_runs) / statistics.mean(x["rps"] for x in ref_runs)
        note = (f" (ratio of the mean rates over {len(pairs)} alternating pairs; each pair's own ratio: "
                + ", ".join(f"{ratio(a, b):.2f}×" for a, b in pairs) + ")")
        return mean_cell(mine_runs), mean_cell(ref_runs), r, note

    # /health
    def interleaved(tag):
        """$RES/interleave-TAG.tsv: slice, requests A, requests B per line; the ratio of the sums,
        both sides' mean rates, and the range of the slices' own ratios."""
        rows_, slice_s = [], 2.0
        for line in (read(os.path.join(d, f"interleave-{tag}.tsv")) or "").splitlines():
            f = line.split()
            if len(f) == 2 and f[0] == "slice_s":
                slice_s = float(f[1])
            elif len(f) == 3 and f[0].isdigit() and int(f[2]) > 0:
                rows_.append((int(f[1]), int(f[2])))
        if not rows_:
            return None
        a, b = sum(x for x, _ in rows_), sum(y for _, y in rows_)
        own = [x / y for x, y in rows_]
        secs = len(rows_) * slice_s
        return {"ratio": a / b, "a": f"{a / secs:,.0f} req/s ({a:,} requests in {len(rows_)} runs of {slice_s:g} s)",
                "b": f"{b / secs:,.0f} req/s ({b:,} requests)", "n": len(rows_), "slice_s": slice_s,
                "range": f"{min(own):.2f}–{max(own):.2f}×"}

    hv = interleaved("relay-nginx")
    aa = interleaved("nginx-nginx2")
    if hv:
        row(f"/health throughput, chatrelay (LOG_LEVEL=warn) vs nginx (1 worker): each pinned to CPU 1, wrk on CPU 0, "
            f"{hv['n']} interleaved pairs of {hv['slice_s']:g} s runs (ABBA), ratio of the summed requests "
            f"(the pairs' own ratios: {hv['range']})", hv["a"], hv["b"], rel_cell(hv["ratio"]),
            "≥ 1.0×", verdict(hv["ratio"] >= 1.0))
    if aa:
        row("method check (A/A): nginx vs a second, identical nginx, the same method right after "
            f"(its distance from 1.00× is the method's error here; pairs: {aa['range']})", aa["a"], aa["b"],
            rel_cell(aa["ratio"]) if abs(aa["ratio"] - 1) >= 0.005 else f"{aa['ratio']:.3f}×")
    r = ratio(g("health-relay"), g("health-nginx"))
    row("/health unpinned, one wrk run each after a warm-up (diagnostic; the LOG_LEVEL=info and FastAPI rows run so too)", rps_cell(g("health-relay")),
        rps_cell(g("health-nginx")), rel_cell(r))
    if g("health-relay-page"):
        r = ratio(g("health-relay-page"), g("health-relay"))
        row("/ (the chat page, gzipped as a browser asks for it) vs /health, chatrelay, one unpinned run each, "
            "one after the other", rps_cell(g("health-relay-page")), rps_cell(g("health-relay")), rel_cell(r),
            "≥ 0.7×", verdict(None if r is None else r >= 0.7))
    r = ratio(g("health-relay-info"), g("health-nginx"))
    row("/health, chatrelay at LOG_LEVEL=info (a log line per request) vs nginx", rps_cell(g("health-relay-info")),
        rps_cell(g("health-nginx")), rel_cell(r))
    if g("health-fastapi"):
        r = ratio(g("health-relay"), g("health-fastapi"))
        row("/health, chatrelay vs FastAPI/uvicorn (1 worker)", rps_cell(g("health-relay")),
            rps_cell(g("health-fastapi")), rel_cell(r))
    ir = {name: instructions_per_request(os.path.join(d, f"ir-{name}")) for name in ("chatrelay", "nginx")}
    if ir["chatrelay"] and ir["nginx"]:
        (mine, mine_n), (ref, ref_n) = ir["chatrelay"], ir["nginx"]
        row("/health: user-space instructions per request, chatrelay vs nginx's worker (callgrind; the "
            f"difference between a 1 s and a 4 s wrk run: {mine_n:,} and {ref_n:,} requests; kernel time not counted)",
            f"{mine:,.0f}", f"{ref:,.0f}", rel_cell(mine / ref))
    # stream
    a, b, r, pairs_note = judged_pairs("stream-relay", "stream-nginx")
    row("stream throughput (200 events/answer), chatrelay vs nginx as TLS reverse proxy" + pairs_note, a, b,
        rel_cell(r), "≥ 0.7×", verdict(None if r is None else r >= 0.7))
    a, b, r, pairs_note = judged_pairs("stream-openai", "stream-ndjson")
    row("stream throughput (200 events/answer), /v1/chat/completions (SSE chunks) vs /api/chat/stream (NDJSON), "
        "the same chatrelay and upstream" + pairs_note, a, b, rel_cell(r), "≥ 0.9×", verdict(None if r is None else r >= 0.9))
    r = ratio(g("stream-relay"), g("stream-direct"))
    row("stream, chatrelay vs the fake Gemini direct over TLS (ceiling)", rps_cell(g("stream-relay")),
        rps_cell(g("stream-direct")), rel_cell(r))
    r = ratio(g("stream-nginx"), g("stream-direct"))
    row("stream, nginx proxy vs the same ceiling", rps_cell(g("stream-nginx")), rps_cell(g("stream-direct")),
        rel_cell(r))
    r = ratio(g("stream-relay-info"), g("stream-nginx"))
    row("stream, chatrelay at LOG_LEVEL=info vs nginx proxy", rps_cell(g("stream-relay-info")),
        rps_cell(g("stream-nginx")), rel_cell(r))
    if g("stream-fastapi"):
        r = ratio(g("stream-relay"), g("stream-fastapi"))
        row("stream, chatrelay vs FastAPI/uvicorn + httpx (1 worker)", rps_cell(g("stream-relay")),
            rps_cell(g("stream-fastapi")), rel_cell(r))
    if g("stream-redis"):
        a, b, r, pairs_note = judged_pairs("stream-redis", "stream-memory")
        row("stream throughput (200 events/answer), memory.store = \"redis\" (a local redis-server) vs the "
            "in-process store, the same upstream" + pairs_note, a, b, rel_cell(r), "≥ 0.85×",
            verdict(None if r is None else r >= 0.85))
    if g("stream-reuseport"):
        a, b, r, pairs_note = judged_pairs("stream-reuseport", "stream-redis1")
        row("stream throughput, two chatrelay sharing one port (server.reuse_port, Redis store) vs one, wrk -t1 "
            "on the same 2 cores as both and the fake" + pairs_note, a, b, rel_cell(r))
    if g("stream-relay-code"):
        r = ratio(g("stream-relay-code"), g("stream-relay"))
        row("stream with a fenced code block (replay, 200 events) vs chatrelay without one",
            rps_cell(g("stream-relay-code")), rps_cell(g("stream-relay")), rel_cell(r))

    # added latency
    def round_median(a, b, metric):
        """Median over rounds of (a − b) p99 within each round, or None without per-round data. Rounds
        alternate endpoints, so round k of each ran back to back under the same machine conditions."""
        pa, pb = a.get("passes") or [], b.get("passes") or []
        diffs = [x[metric]["p99_us"] - y[metric]["p99_us"] for x, y in zip(pa, pb) if x.get(metric) and y.get(metric)]
        return (statistics.median(diffs), len(diffs)) if diffs else None

    def added_cell(a, b, metric):
        d99, d50 = a[metric]["p99_us"] - b[metric]["p99_us"], a[metric]["p50_us"] - b[metric]["p50_us"]
        rm = round_median(a, b, metric)
        if rm is None:
            return d99, f"p99 {d99 / 1000:+.2f} ms (p50 {d50 / 1000:+.2f} ms)"
        return rm[0], (f"p99 {rm[0] / 1000:+.2f} ms (median of {rm[1]} rounds' own p99; all rounds pooled: "
                       f"{d99 / 1000:+.2f} ms; p50 {d50 / 1000:+.2f} ms)")

    def lat_rows(tag, label, targets):
        L = lat.get(tag)
        if not L or "relay" not in L or "direct" not in L:
            row(f"added latency, {label}", "not run", "not run", "–")
            return
        for metric, name in (("ttft", "time to first token"), ("gap", "inter-chunk gap")):
            a, b = L["relay"].get(metric), L["direct"].get(metric)
            if not a or not b:
                row(f"{name}, {label}", "no samples", "no samples", "–")
                continue
            added, text = added_cell(L["relay"], L["direct"], metric)
            target = targets.get(metric)
            ok = None if target is None else added < target
            row(f"{name}, {label}", f"p50 {ms(a['p50_us'])}, p99 {ms(a['p99_us'])}",
                f"p50 {ms(b['p50_us'])}, p99 {ms(b['p99_us'])}", text,
                "–" if target is None else f"added p99 < {target / 1000:g} ms", verdict(ok))

    def proxy_rows(tag, label):
        """nginx as a pure proxy against the same direct baseline: the floor of a proxy hop here."""
        L = lat.get(tag) or {}
        if "proxy" not in L or "direct" not in L:
            return
        for metric, name in (("ttft", "time to first token"), ("gap", "inter-chunk gap")):
            a, b = L["proxy"].get(metric), L["direct"].get(metric)
            if a and b:
                row(f"{name}, {label}, **nginx** as the proxy (reference)", f"p50 {ms(a['p50_us'])}, p99 {ms(a['p99_us'])}",
                    f"p50 {ms(b['p50_us'])}, p99 {ms(b['p99_us'])}", added_cell(L["proxy"], L["direct"], metric)[1])

    for tag in ("1", "100", "1000"):
        n = (lat.get(tag) or {}).get("streams", int(tag))
        label = f"{n} stream{'s' if n != 1 else ''}"
        lat_rows(tag, label, {"ttft": 1000, "gap": 500} if n == 100 else {})
        proxy_rows(tag, label)
        own = own_ttft(d, tag)
        if own:
            row(f"chatrelay's own share of time to first token, {label} (its /metrics histogram: request read → "
                f"first chunk written, minus the wait for Gemini's first event)",
                f"mean {own['mean_ms']:.2f} ms; {own['le_0.5']:.1%} ≤ 0.5 ms, {own['le_1']:.1%} ≤ 1 ms",
                f"{own['count']:,} streams", f"p99 ≤ {own['p99_le_ms']:g} ms")
    if lat.get("100-unpinned"):
        label = "100 streams, nothing pinned to a CPU (diagnostic)"
        lat_rows("100-unpinned", label, {})
        proxy_rows("100-unpinned", label)
    if lat.get("1000-pool"):
        lat_rows("1000-pool", f"{lat['1000-pool']['streams']} streams, gemini.pool_size=1024 (diagnostic)", {})

    # footprint
    idle = int(foot["idle_kib"]) if foot.get("idle_kib") else None
    warm = int(foot["warm_kib"]) if foot.get("warm_kib") else None
    if idle:
        row("RSS idle (fresh process, after /health)", f"{idle:,} KiB", "–", "–")
    if warm:
        row("RSS idle, warm (after one chat turn end to end, then quiet)", f"{warm:,} KiB", f"fresh idle {idle:,} KiB",
            f"+{warm - idle:,} KiB")
    for tag in ("small", "large"):
        h = hold.get(tag)
        if not h or not idle:
            row(f"RSS with open streams ({tag})", "not run", "–", "–")
            continue
        n, alive = h["streams"], h.get("alive") or 0
        per = (h["rss_kib"] - idle) / alive if alive else None
        judged = n == 8000
        ok = None if per is None or not judged else (per <= 40 and alive >= 0.95 * n)
        row(f"RSS with {n:,} open streams ({alive:,} alive while sampled)", f"{h['rss_kib']:,} KiB",
            f"idle {idle:,} KiB", "–" if per is None else f"{per:.1f} KiB/stream",
            "≤ 40 KiB/stream" if judged else "–", verdict(ok))
    if foot.get("after_kib") and idle:
        after = int(foot["after_kib"])
        base = warm or idle
        rel = after / base
        fresh = f" ({after / idle:.2f}× fresh idle)" if warm else ""
        row("RSS after the streams ended", f"{after:,} KiB", f"{'warm ' if warm else ''}idle {base:,} KiB",
            f"{rel:.2f}× {'warm ' if warm else ''}idle{fresh}", f"≤ 2× {'warm ' if warm else ''}idle", verdict(rel <= 2))
    for key, label in (("idle_split", "fresh idle"), ("warm_split", "warm idle")):
        if foot.get("after_split") and foot.get(key):
            (ia, i_f), (aa, af) = (map(int, foot[k].split("/")) for k in (key, "after_split"))
            row(f"  of which anonymous (the process's data) / file-backed (binary and library pages read in), vs {label}",
                f"{aa:,} / {af:,} KiB", f"{label} {ia:,} / {i_f:,} KiB", f"{aa - ia:+,} / {af - i_f:+,} KiB")
    if foot.get("after_trim_kib") and idle:
        t = int(foot["after_trim_kib"])
        base = warm or idle
        row("RSS after that, once malloc_trim(0) ran again from gdb (diagnostic: what glibc still held)",
            f"{t:,} KiB", f"{'warm ' if warm else ''}idle {base:,} KiB", f"{t / base:.2f}× {'warm ' if warm else ''}idle")
    if foot.get("binary_bytes"):
        b = int(foot["binary_bytes"])
        s = int(foot.get("stripped_bytes") or 0)
        row("binary size (`stat`, release build)", f"{b:,} bytes ({b / 1048576:.2f} MiB)",
            f"stripped: {s:,} bytes ({s / 1048576:.2f} MiB)" if s else "–", "–")
    if start:
        row("start-up: launch → first TCP connect / → /health 200 (median of "
            f"{start['runs']})", f"{start['median_connect_ms']:.2f} ms / {start['median_health_ms']:.2f} ms",
            "runs: " + ", ".join(f"{x:.1f}" for x in start["health_ms"]) + " ms", "–")

    out = []
    p = out.append
    p("# chatrelay benchmark results")
    p("")
    p(f"Generated by `bench/run` on {meta.get('date', '?')}: measurements took {meta.get('elapsed_s', '?')} s "
      f"(plus {meta.get('build_s', '?')} s of dependency check and incremental build before them). "
      "Re-run with `bench/run`; numbers from a shared, busy 2-core VM are indicative, not final.")
    p("")
    p("## Machine and build")
    p("")
    p(f"- CPU: {meta.get('cpu', '?')}, nproc {meta.get('nproc', '?')}, memory {meta.get('mem', '?')}")
    p(f"- kernel: {meta.get('kernel', '?')}; {meta.get('os', '')}")
    p(f"- git commit: `{meta.get('commit', '?')}` {meta.get('dirty', '')}")
    p(f"- build: {meta.get('build', '?')}")
    p(f"- tools: {meta.get('tools', '?')}")
    if meta.get("pinning"):
        p(f"- CPU placement in the judged latency passes (N = 1 and 100): {meta['pinning']} (taskset)")
    p(f"- load average at start / end: {meta.get('load_start', '?')} / {meta.get('load_end', '?')}. "
      "**The machine is shared**: other people's compiles, tests and fuzzers ran during this run "
      "(see the load per section below); every process here competes with them for 2 cores.")
    p("")
    p("## Results")
    p("")
    p("Ratio = chatrelay ÷ reference (throughput) or chatrelay − direct (latency). "
      "All servers on 127.0.0.1, each run bounded by `timeout`.")
    p("")
    p("| measurement | chatrelay | reference | ratio / added | target | result |")
    p("|---|---|---|---|---|---|")
    out.extend(rows)
    p("")

    # bottleneck statement
    direct, relay, nginx = g("stream-direct"), g("stream-relay"), g("stream-nginx")
    if direct and relay and nginx and "rps" in direct and "rps" in relay and "rps" in nginx:
        fr = relay.get("cpu", {}).get("fake")
        fn = nginx.get("cpu", {}).get("fake")
        fd = direct.get("cpu", {}).get("fake")
        p("**Is the fake upstream the bottleneck?** Straight over TLS it served "
          f"{direct['rps']:,.0f} req/s (its CPU {fd or 0:.0f}%, wrk {direct.get('cpu', {}).get('wrk', 0):.0f}%); "
          f"through chatrelay {relay['rps']:,.0f} req/s ({100 * relay['rps'] / direct['rps']:.0f}% of that, "
          f"fake CPU {fr or 0:.0f}%, chatrelay CPU {relay.get('cpu', {}).get('relay', 0):.0f}%), "
          f"through nginx {nginx['rps']:,.0f} req/s ({100 * nginx['rps'] / direct['rps']:.0f}%, fake CPU {fn or 0:.0f}%, "
          f"nginx CPU {nginx.get('cpu', {}).get('nginx', 0):.0f}%). "
          + ("The proxied runs stay well below the ceiling and the fake is not saturated in them, so the "
             "proxies, not the fake, set the proxied numbers." if relay["rps"] < 0.8 * direct["rps"]
             and nginx["rps"] < 0.8 * direct["rps"] and (fr or 0) < 90 and (fn or 0) < 90 else
             "At least one proxied run comes close to the ceiling or saturates the fake: the fake may limit it.")
          + " With 2 cores, the fake, the proxy and wrk share the CPU: one more busy process costs everyone.")
        p("")

    # bench/http2's tables (run by bench/run into d/http2), and its chart next to RESULTS.md.
    http2 = read(os.path.join(d, "http2", "http2.md"))
    if http2:
        p("## HTTP/2 to Gemini (bench/http2)")
        p("")
        p("Added TTFT p99 = chatrelay's (or nginx's) p99 minus the direct p99 of the same round, median over "
          "rounds; HTTP/1.1 = the same chatrelay with gemini.http2 = false; nginx speaks HTTP/1.1 upstream. "
          "Held open: the fake's endless scenario (one event a second), per stream = (RSS held − idle) ÷ alive.")
        p("")
        p(http2.strip())
        p("")
        p("![added TTFT p99 against concurrency](http2-ttft-p99.png)")
        p("")

    notes = (read(os.path.join(d, "notes.txt")) or "").strip()
    errors = (read(os.path.join(d, "interleave-errors.txt")) or "").strip()
    if errors:
        notes += ("\n" if notes else "") + ("Judged /health: some runs had errors and count 0 requests: "
                                            + errors.replace("\n", " ")[:400])
    if notes:
        p("## Notes and caveats")
        p("")
        for line in notes.splitlines():
            p(f"- {line}")
        p("")

    p("## Details")
    p("")
    p("wrk runs (each after a short warm-up). CPU = share of one core over the run, from /proc "
      "(utime+stime); upstream = what the fake counted during the run.")
    p("")
    p("| run | req/s | p50 | p90 | p99 | max | errors | checked bad | CPU % | upstream requests / new handshakes / resumed |")
    p("|---|---|---|---|---|---|---|---|---|---|")
    for name in order:
        r = w[name]
        if not r:
            continue
        if "rps" not in r:
            p(f"| {r['label']} | failed: {' '.join(r.get('failed', []))} | | | | | | | | |")
            continue
        errs = sum(r["errors"].values())
        bad = f"{r['bad']} of {r['checked']}" if "bad" in r else "not checked"
        cpu = ", ".join(f"{k} {v:.0f}" for k, v in r.get("cpu", {}).items())
        up = r.get("upstream")
        ups = f"{up['requests']:,} / {up['handshakes']:,} / {up['resumed']:,}" if up else "–"
        p(f"| {r['label']} | {r['rps']:,.0f} | {ms(r['p50_us'])} | {ms(r['p90_us'])} | {ms(r['p99_us'])} | "
          f"{ms(r['max_us'])} | {errs} {json.dumps(r['errors']) if errs else ''} | {bad} | {cpu} | {ups} |")
    p("")
    if any(lat.values()):
        p("Stream latency passes (client: `chatrelay-streamload`, bench/streamload.cpp; CPU = the client's own "
          "share of one core while streaming):")
        p("")
        p("| streams | endpoint | rounds | ok | errors | tokens/stream | response head p50 / p99 | TTFT p50 / p99 / max | gap p50 / p99 / max | client CPU % |")
        p("|---|---|---|---|---|---|---|---|---|---|")
        for tag, L in lat.items():
            if not L:
                continue
            for ep in ("relay", "direct", "proxy"):
                s = L.get(ep)
                if not s:
                    continue
                t, gp, hb = s.get("ttft") or {}, s.get("gap") or {}, s.get("ttfb") or {}
                who = {"relay": "chatrelay", "direct": "fake direct (TLS)", "proxy": "nginx proxy → fake"}[ep]
                p(f"| {tag} | {who} | {s['rounds']} | {s['ok']} | "
                  f"{s['connect_failures'] + sum(s['errors'].values())} {json.dumps(s['errors']) if s['errors'] else ''} | "
                  f"{s['tokens_min']}–{s['tokens_max']} | {ms(hb.get('p50_us'))} / {ms(hb.get('p99_us'))} | {ms(t.get('p50_us'))} / {ms(t.get('p99_us'))} / {ms(t.get('max_us'))} | "
                  f"{ms(gp.get('p50_us'))} / {ms(gp.get('p99_us'))} / {ms(gp.get('max_us'))} | {s['client_cpu_pct']} |")
        p("")
    if any(hold.values()):
        p("Footprint holds (client: `bench/streamload.py hold`):")
        p("")
        p("| streams | alive while sampled (min) | ramp | RSS | chatrelay fds | chatrelay CPU % while held | failures | settle after close | chatrelay warnings logged |")
        p("|---|---|---|---|---|---|---|---|---|")
        for tag, h in hold.items():
            if h:
                p(f"| {h['streams']:,} | {h['alive']:,} ({h['alive_min']:,}) | {h['ramp_s']} s | {h['rss_kib']:,} KiB | "
                  f"{h['fds']:,} | {h.get('server_cpu_pct', '?')} | {json.dumps(h['failures']) if h['failures'] else 'none'} | "
                  f"{foot.get(f'settle_{tag}_s', '?')} | {foot.get(f'warnings_{tag}', '?')} |")
        if foot.get("after_small_kib") and hold.get("small"):
            p("")
            p(f"RSS after the {hold['small']['streams']:,}-stream hold ended: {int(foot['after_small_kib']):,} KiB.")
        p("")
    load = (read(os.path.join(d, "load.txt")) or "").strip()
    if load:
        p("Machine load when each section started (1/5/15-min load average; busiest other processes):")
        p("")
        p("```")
        p(load)
        p("```")
        p("")
    p("## Commands")
    p("")
    p("Exactly what ran (ports were picked free at run time; `$W` is the run's scratch directory):")
    p("")
    p("```sh")
    p((read(os.path.join(d, "commands.txt")) or "").rstrip())
    p("```")
    print("\n".join(out))


if __name__ == "__main__":
    main()
