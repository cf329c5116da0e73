#!/usr/bin/env python3
"""Print one markdown table for one corpus size from the files bench/run.sh left in OUT.

Usage: report.py OUT EXPECTED_JSON

For every row key below, OUT may hold:
  KEY.timing.json   timeit.py --json output (wall/cpu/peak min, median, max; runs with exit codes)
  KEY.compare.json  compare.py --json output (per check: found, expected, TP, FP, FN)
  KEY.note          why the row was not measured (printed instead of figures)
  KEY.load          the 1-minute load average when the row started, and the UTC time
  KEY.rules         findings per rule id (hedge rows that are not scored by check)
A row with none of these is left out. python3 stdlib only.
"""
import json
import os
import sys

ROWS = [
    ("floor-cat", "floor: read every byte (`cat`)"),
    ("hedge-parse", "floor: hedge parse only (every rule ignored)"),
    ("hedge-full", "hedge full default check (`--format json`)"),
    ("hedge-full-sarif", "hedge full default check, SARIF"),
    ("hedge-full-j1", "hedge full default check, 1 thread"),
    ("hedge-bench", "**hedge bench checks** (`bench/rules`)"),
    ("hedge-bench-j1", "hedge bench checks, 1 thread"),
    ("semgrep-rules", "semgrep-rules"),
    ("spectral-rules", "spectral-rules"),
    ("checkov-rules", "checkov-rules"),
]
CHECKS = ["a", "b1", "b2", "c1", "c2"]
BASE = "hedge-bench"  # the ratio column divides by this row's figures


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def secs(x):
    if x >= 100:
        return "%.0f" % x
    if x >= 10:
        return "%.1f" % x
    if x >= 1:
        return "%.2f" % x
    return "%.3f" % x


def times(x):
    return "%.0f" % x if x >= 10 else "%.1f" % x


def finding(row):
    """One check's cell: found, then a tick when it matches the ground truth exactly."""
    if row is None or (not row["found"] and not row["tp"] and not row["fp"]):
        return "–"
    if row["fp"] == 0 and row["fn"] == 0:
        return "%d ✓" % row["found"]
    return "%d (FP %d, FN %d)" % (row["found"], row["fp"], row["fn"])


def main():
    out, expected = sys.argv[1], sys.argv[2]
    totals = load(expected)["totals"]
    exp = {"a": totals["a"], "b1": totals["b1"], "b2": totals["b2_strict"], "c1": totals["c1_files"],
           "c2": totals["c2_module"]}
    base = load(os.path.join(out, BASE + ".timing.json"))
    print("| row | wall s: median [min–max] (n) | cpu s | peak MiB | a | b1 | b2 | c1 | c2 | ÷ hedge bench: wall (cpu) | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print("| expected (generator) | | | | %s | %s | %s | %s | %s | | |" % tuple(exp[c] for c in CHECKS))
    notes = []
    for key, label in ROWS:
        t = load(os.path.join(out, key + ".timing.json"))
        cmp = load(os.path.join(out, key + ".compare.json"))
        note = read(os.path.join(out, key + ".note"))
        ld = read(os.path.join(out, key + ".load"))
        if t is None and note is None:
            continue
        load_cell = ld or ""
        if t is None:
            print("| %s | %s | | | | | | | | | %s |" % (label, note, load_cell))
            continue
        w, c, p = t["wall"], t["cpu"], t["peak_mib"]
        wall = secs(w["median"])
        if t["n"] > 1:
            wall += " [%s–%s]" % (secs(w["min"]), secs(w["max"]))
        wall += " (%d)" % t["n"]
        codes = sorted({r["rc"] for r in t["runs"]})
        bad = [rc for rc in codes if rc not in (0, 1)]
        if bad:
            wall += " exit %s" % ",".join(map(str, bad))
        if note:
            wall += "; " + note
        rows = {r["check"]: r for r in cmp["rows"]} if cmp else {}
        cells = [finding(rows.get(ch)) for ch in CHECKS] if cmp else ["", "", "", "", ""]
        ratio = ""
        if base and key not in (BASE,) and not key.startswith(("floor", "hedge")):
            ratio = "%s× (%s×)" % (times(w["median"] / base["wall"]["median"]), times(c["median"] / base["cpu"]["median"]))
        print("| %s | %s | %s | %.0f | %s | %s | %s | %s | %s | %s | %s |" % (
            label, wall, secs(c["median"]), p["median"], *cells, ratio, load_cell))
        per_rule = read(os.path.join(out, key + ".rules"))
        if per_rule:
            notes.append("hedge full default check, findings by rule: %s" % per_rule)
    for n in notes:
        print()
        print(n)


if __name__ == "__main__":
    main()
