"""Where a page's main-thread time goes while it loads, measured in Chromium's trace.

Lighthouse's performance score simulates a phone from one load; on a shared 2-core
machine the same page moves 5 to 13 points between runs, and the score does not say
where the time went. This script measures the main thread, to compare two versions of
the site and to find what costs a page its blocking time. It builds the site, serves it
with gzip on 127.0.0.1, loads each page in headless Chromium (Debian's) with the CPU
slowed down as Lighthouse's mobile preset does (4x, --cpu-slowdown) and a phone's
viewport, records a trace, and prints per page the medians over --runs loads of:

  FCP ms      first contentful paint, from the navigation
  busy ms     the main thread's task time, from the navigation to 1.5 s after `load`
  after FCP   the part of it after the first contentful paint
  blocking    what Lighthouse's total blocking time adds up, measured: of each task
              after FCP, the time over 50 ms
  restyled    elements whose style was recalculated after FCP (UpdateLayoutTree)

--tasks prints the long tasks (over 50 ms) of each page's median load by busy time, with
what they spent their time on: scripts evaluated, events handled, style, layout, paint
(the labels overlap: the style a handler forces is inside its event's time). To
compare two versions, run it in each checkout (`git worktree add /tmp/before REV`):

    .venv/bin/python scripts/main_thread.py [--pages /en/causes/ ...] [--runs 5] [--tasks]

The restyled count is the same from load to load; the times move by 10-20 % on a busy
machine (the host's speed changes within minutes): alternate the two checkouts, and
compare medians of several rounds.
A measurement, not a test (nothing here is a speed target). The trace is read by
tests/main_thread_trace.py; tests/test_browser.py checks that it still reads Chromium's.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from browser import site_in_browser
from main_thread_trace import LONG_TASK_MS, load_once
from pages import add_pages_option, page_paths


def positive(text: str) -> float:
    value = float(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: 1 or more")
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_pages_option(parser)
    parser.add_argument("--runs", type=int, default=5, help="loads per page (median)")
    parser.add_argument("--cpu-slowdown", type=positive, default=4.0, help="4 as Lighthouse")
    parser.add_argument("--tasks", action="store_true", help="print the median load's long tasks")
    args = parser.parse_args()
    if args.runs < 1:
        sys.exit("error: --runs must be 1 or more")
    paths = args.pages or page_paths()
    with site_in_browser(gzip=True) as (base, browser):
        print(f"CPU slowdown {args.cpu_slowdown:g}x, median of {args.runs} loads")
        header = (
            f"{'page':<42} {'FCP ms':>7} {'busy ms':>8} {'after FCP':>10}"
            f" {'blocking':>9} {'restyled':>9}"
        )
        print(header, "-" * len(header), sep="\n", flush=True)
        for path in paths:
            loads = [load_once(browser, base + path, args.cpu_slowdown) for _ in range(args.runs)]
            med = {
                name: statistics.median(getattr(load, name) for load in loads)
                for name in ("fcp", "busy", "after_fcp", "blocking", "restyled")
            }
            print(
                f"{path:<42} {med['fcp']:>7.0f} {med['busy']:>8.0f} {med['after_fcp']:>10.0f}"
                f" {med['blocking']:>9.0f} {med['restyled']:>9.0f}",
                flush=True,
            )
            if args.tasks:
                median_load = sorted(loads, key=lambda load: load.busy)[(len(loads) - 1) // 2]
                for task in median_load.tasks:
                    if task.duration <= LONG_TASK_MS:
                        continue
                    work = ", ".join(
                        f"{name} {ms:.0f}" for name, ms in task.work.most_common(4) if ms >= 1
                    )
                    print(f"    task at {task.start:5.0f} ms, {task.duration:4.0f} ms: {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
