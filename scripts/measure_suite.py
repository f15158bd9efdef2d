"""Measure the test suite's cost: wall time and the whole machine's CPU seconds.

    .venv/bin/python scripts/measure_suite.py                  # 3 runs of the README's tests
    .venv/bin/python scripts/measure_suite.py --runs 5 -- -m "not browser"

CPU seconds are read from /proc/stat (all cores, every process) before and after each
run: `time` and resource.getrusage miss what the suite's children hand over to other
parents (Chromium's helpers, mariadbd under mysqld_safe). So run it on an otherwise idle
machine; it prints the load average first as a reminder. Linux only. A measurement, not
a test: speed targets live here and in the notes, never in assertions.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def busy_seconds() -> float:
    """CPU time spent on all cores since boot, idle and I/O wait excluded."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def one_run(pytest_args: list[str]) -> tuple[float, float, int]:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *pytest_args]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    cpu, wall = busy_seconds(), time.monotonic()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    wall, cpu = time.monotonic() - wall, busy_seconds() - cpu
    summary = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
    print(f"  wall {wall:6.1f} s   cpu {cpu:6.1f} s   {summary}", flush=True)
    return wall, cpu, result.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="how many runs (default 3)")
    parser.add_argument("pytest_args", nargs="*", help="arguments for pytest, after --")
    args = parser.parse_args()
    if not Path("/proc/stat").is_file():
        sys.exit("error: needs Linux's /proc/stat to count the machine's CPU time")
    print(f"load average before: {' '.join(map(str, os.getloadavg()))} ({os.cpu_count()} cores)")
    runs = [one_run(args.pytest_args) for _ in range(args.runs)]
    walls, cpus, codes = zip(*runs, strict=True)
    print(
        f"median of {args.runs}: wall {statistics.median(walls):.1f} s, "
        f"cpu {statistics.median(cpus):.1f} s"
    )
    return 1 if any(codes) else 0


if __name__ == "__main__":
    sys.exit(main())
