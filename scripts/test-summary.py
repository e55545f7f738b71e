"""Counts test cases across meson's testlog.json (Catch2 and unittest outputs) and prints the line
'N passed, N failed'. A test executable that died without its own summary counts as one failure."""
import json
import re
import sys


def count(entry):
    out = (entry.get("stdout") or "") + (entry.get("stderr") or "")
    ok = entry.get("result") == "OK"
    m = re.search(r"All tests passed \(\d+ assertions? in (\d+) test cases?\)", out)
    if m:
        return int(m.group(1)), 0 if ok else 1
    m = re.search(r"test cases:\s+(\d+) \|\s+(\d+) passed \|\s+(\d+) failed", out)
    if m:
        return int(m.group(2)), max(int(m.group(3)), 0 if ok else 1)
    m = re.search(r"Ran (\d+) tests? in", out)
    if m:
        ran = int(m.group(1))
        f = re.search(r"FAILED \(([^)]*)\)", out)
        failed = sum(int(n) for n in re.findall(r"(?:failures|errors)=(\d+)", f.group(1))) if f else 0
        if not ok and failed == 0:
            failed = 1
        # A failed setUpModule/setUpClass is an error of no test that ran: never negative passes.
        return max(ran - failed, 0), failed
    return (1, 0) if ok else (0, 1)


passed = failed = 0
with open(sys.argv[1]) as f:
    for line in f:
        if line.strip():
            p, fl = count(json.loads(line))
            passed += p
            failed += fl
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
