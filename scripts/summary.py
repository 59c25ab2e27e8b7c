#!/usr/bin/env python3
"""summary.py — one line per meson test run, and a total line.

summary.py TESTLOG.json  -> "build: 12 passed, 1 failed, 0 skipped (failed: cli)"
summary.py --total FILE  -> "total: 24 passed, 1 failed, 0 skipped"

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


def main():
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
