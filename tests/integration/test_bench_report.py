"""bench/report.py turns raw results into bench/RESULTS.md's verdicts: a report that judged the
wrong statistic would print PASS for a slower server without anyone noticing."""
import os
import subprocess
import sys
import tempfile
import unittest

REPORT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "report.py")


def report(files):
    """Runs report.py on a results directory holding `files` (name -> text); returns the markdown."""
    with tempfile.TemporaryDirectory() as d:
        files = {"meta.tsv": "date\t2026-11-29 00:00 UTC\n", **files}
        for name, text in files.items():
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        r = subprocess.run([sys.executable, REPORT, d], capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise AssertionError(f"report.py exited {r.returncode}: {r.stderr}")
        return r.stdout


def row(markdown, starts_with):
    rows = [l for l in markdown.splitlines() if l.startswith("| " + starts_with)]
    if len(rows) != 1:
        raise AssertionError(f"{len(rows)} rows start with {starts_with!r}")
    return [cell.strip() for cell in rows[0].strip("|").split("|")]


def slices(*pairs, slice_s=2):
    return "".join(f"{i}\t{a}\t{b}\n" for i, (a, b) in enumerate(pairs, 1)) + f"slice_s\t{slice_s}\n"


class JudgedHealth(unittest.TestCase):
    def test_the_verdict_is_the_ratio_of_the_summed_requests(self):
        # The slices' own ratios average 1.45x, but over the whole time chatrelay answered fewer.
        md = report({"interleave-relay-nginx.tsv": slices((100, 50), (1000, 1100))})
        cells = row(md, "/health throughput")
        self.assertEqual(cells[1], "275 req/s (1,100 requests in 2 runs of 2 s)")
        self.assertEqual(cells[2], "288 req/s (1,150 requests)")
        self.assertEqual(cells[3], "0.96×")
        self.assertEqual(cells[5], "**FAIL**")
        self.assertIn("the pairs' own ratios: 0.91–2.00×", cells[0])

    def test_more_requests_in_the_same_time_pass(self):
        md = report({"interleave-relay-nginx.tsv": slices((1010, 1000), (990, 980), slice_s=1)})
        cells = row(md, "/health throughput")
        self.assertEqual(cells[3], "1.01×")
        self.assertEqual(cells[5], "**PASS**")
        self.assertIn("2 interleaved pairs of 1 s runs", cells[0])

    def test_the_a_a_row_shows_the_methods_error_without_a_verdict(self):
        md = report({"interleave-relay-nginx.tsv": slices((100, 100)),
                     "interleave-nginx-nginx2.tsv": slices((1000, 1003), (1000, 999))})
        cells = row(md, "method check (A/A)")
        self.assertEqual(cells[3], "0.999×")  # closer to 1 than two decimals show
        self.assertEqual(cells[5], "–")
        md = report({"interleave-nginx-nginx2.tsv": slices((100, 90))})
        self.assertEqual(row(md, "method check (A/A)")[3], "1.11×")

    def test_a_run_with_errors_counts_nothing_and_is_reported(self):
        md = report({"interleave-relay-nginx.tsv": slices((0, 1000), (1000, 1000)),
                     "interleave-errors.txt": "port 1234:\n  Non-2xx or 3xx responses: 17\n"})
        self.assertEqual(row(md, "/health throughput")[5], "**FAIL**")
        self.assertIn("Non-2xx or 3xx responses: 17", md)

    def test_rss_after_the_streams_is_judged_against_twice_the_warm_idle(self):
        foot = "idle_kib\t4000\nwarm_kib\t6000\nafter_kib\t%d\n"
        cells = row(report({"footprint.tsv": foot % 11000}), "RSS after the streams ended")
        self.assertEqual(cells[3], "1.83× warm idle (2.75× fresh idle)")
        self.assertEqual(cells[4], "≤ 2× warm idle")
        self.assertEqual(cells[5], "**PASS**")
        self.assertEqual(row(report({"footprint.tsv": foot % 12100}), "RSS after the streams ended")[5], "**FAIL**")

    def test_the_page_is_judged_against_health_from_the_same_process(self):
        def wrk(name, rps):
            return {f"wrk-health-{name}.out": 'BENCHJSON {"requests":%d,"duration_us":1000000,"bytes":1,"rps":%d,'
                                                '"errors":{},"p50_us":400,"p90_us":500,"p99_us":900,"max_us":1000}\n'
                                                % (rps, rps)}
        files = {"order": "health-relay\nhealth-relay-page\n", **wrk("relay", 60000), **wrk("relay-page", 51000)}
        cells = row(report(files), "/ (the chat page")
        self.assertTrue(cells[1].startswith("51,000 req/s"), cells)
        self.assertTrue(cells[2].startswith("60,000 req/s"), cells)
        self.assertEqual(cells[3], "0.85×")
        self.assertEqual(cells[5], "**PASS**")
        files.update(wrk("relay-page", 30000))
        self.assertEqual(row(report(files), "/ (the chat page")[5], "**FAIL**")
        self.assertNotIn("| / (the chat page", report({"order": "health-relay\n", **wrk("relay", 60000)}))

    def test_v1_stream_throughput_is_judged_against_ndjson_within_ten_percent(self):
        def run(rps):
            return ('BENCHJSON {"requests":%d,"duration_us":10000000,"bytes":1,"rps":%.1f,"errors":{"connect":0,'
                    '"read":0,"write":0,"status":0,"timeout":0},"p50_us":1000,"p90_us":2000,"p99_us":3000,'
                    '"max_us":4000,"mean_us":1500.0}\n' % (rps * 10, rps))

        def judged(pairs):
            files, order = {}, []
            for i, (openai, ndjson) in enumerate(pairs, 1):
                sfx = "" if i == 1 else f"-r{i}"
                files[f"wrk-stream-openai{sfx}.out"] = run(openai)
                files[f"wrk-stream-ndjson{sfx}.out"] = run(ndjson)
                order += [f"stream-openai{sfx}", f"stream-ndjson{sfx}"]
            files["order"] = "\n".join(order) + "\n"
            return row(report(files), "stream throughput (200 events/answer), /v1/chat/completions")

        cells = judged([(950, 1000), (900, 1000)])
        self.assertEqual(cells[3], "0.93×")  # the ratio of the mean rates: 925 / 1000
        self.assertEqual(cells[4], "≥ 0.9×")
        self.assertEqual(cells[5], "**PASS**")
        self.assertIn("each pair's own ratio: 0.95×, 0.90×", cells[0])
        self.assertEqual(judged([(890, 1000), (880, 1000)])[5], "**FAIL**")

    def test_no_results_no_verdict(self):
        md = report({})
        self.assertNotIn("| /health throughput", md)


if __name__ == "__main__":
    unittest.main()
