#!/usr/bin/env python3
"""summary.py — one line per meson test run, and a total line.

summary.py TESTLOG.json  -> "build: 12 passed, 1 failed, 0 skipped (failed: cli)"
summary.py --total FILE  -> "total: 24 passed, 1 failed, 0 skipped"
summary.py --tails TESTLOG.json -> the last lines each failing test printed

The failing tests are named so that a CI record cut to its last lines still
says what to look at.
"""
import json
import sys


def count_testlog(path):
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    failed = []
    with open(path) as f:
        for line in f:
            test = json.loads(line)
            result = test["result"]
            if result in ("OK", "EXPECTEDFAIL"):
                counts["passed"] += 1
            elif result == "SKIP":
                counts["skipped"] += 1
            else:
                counts["failed"] += 1
                failed.append(f"{test['name']} {result}")
    return counts, failed


TAIL_LINES = 25


def print_tails(path):
    with open(path) as f:
        for line in f:
            test = json.loads(line)
            if test["result"] in ("OK", "EXPECTEDFAIL", "SKIP"):
                continue
            out = (test.get("stdout") or "").rstrip("\n").split("\n")
            failed = [text for text in out if text.startswith("not ok")]
            print(f"--- {test['name']} {test['result']}: {len(failed)} failed checks, then its last lines")
            for text in failed + out[-TAIL_LINES:]:
                print("  " + text[:300])


def main():
    if sys.argv[1] == "--tails":
        print_tails(sys.argv[2])
        return
    if sys.argv[1] == "--total":
        total = {"passed": 0, "failed": 0, "skipped": 0}
        with open(sys.argv[2]) as f:
            for line in f:
                for part in line.split(":", 1)[1].split("(")[0].split(","):
                    n, word = part.split()
                    total[word] += int(n)
        counts, failed, name = total, [], "total"
    else:
        counts, failed = count_testlog(sys.argv[1])
        name = sys.argv[1].split("/")[0]
    line = f"{name}: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"
    if failed:
        line += " (failed: " + ", ".join(failed) + ")"
    print(line)


main()
