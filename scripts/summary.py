#!/usr/bin/env python3
"""summary.py — one line per meson test run, and a total line.

summary.py TESTLOG.json  -> "build: 12 passed, 0 failed, 0 skipped"
summary.py --total FILE  -> "total: 24 passed, 0 failed, 0 skipped"
"""
import json
import sys


def count_testlog(path):
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    with open(path) as f:
        for line in f:
            result = json.loads(line)["result"]
            if result in ("OK", "EXPECTEDFAIL"):
                counts["passed"] += 1
            elif result == "SKIP":
                counts["skipped"] += 1
            else:
                counts["failed"] += 1
    return counts


def main():
    if sys.argv[1] == "--total":
        total = {"passed": 0, "failed": 0, "skipped": 0}
        with open(sys.argv[2]) as f:
            for line in f:
                for part in line.split(":", 1)[1].split(","):
                    n, word = part.split()
                    total[word] += int(n)
        counts, name = total, "total"
    else:
        counts = count_testlog(sys.argv[1])
        name = sys.argv[1].split("/")[0]
    print(f"{name}: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")


main()
