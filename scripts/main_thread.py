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
A measurement, not a test (nothing here is a speed target); tests/test_browser.py checks
that it still reads Chromium's trace.
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from browser import built_and_served, launch_chromium, missing_browser
from pages import page_paths

# Lighthouse's mobile preset: a Moto G Power's viewport (lighthouse-core/config/constants).
VIEWPORT = {"width": 412, "height": 823}
CATEGORIES = [
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "v8.execute",
    "blink.user_timing",  # navigationStart
    "loading",  # firstContentfulPaint
]
LONG_TASK_MS = 50
AFTER_LOAD_MS = 1500
# What a task's time is shown as (--tasks): the trace events that name the work.
WORK = {
    "DocumentLoader::CommitNavigation": "commit navigation",
    "EvaluateScript": "evaluate",
    "RunMicrotasks": "microtasks",
    "EventDispatch": "event",
    "TimerFire": "timer",
    "FireAnimationFrame": "animation frame",
    "ParseHTML": "parse HTML",
    "ParseAuthorStyleSheet": "parse CSS",
    "UpdateLayoutTree": "style",
    "Layout": "layout",
    "PrePaint": "pre-paint",
    "Paint": "paint",
}


@dataclass
class Task:
    start: float  # ms from the navigation
    duration: float  # ms
    work: collections.Counter = field(default_factory=collections.Counter)


@dataclass
class Load:
    fcp: float
    tasks: list[Task]
    restyled: int  # elements restyled after FCP

    @property
    def busy(self) -> float:
        return sum(task.duration for task in self.tasks)

    @property
    def after_fcp(self) -> float:
        return sum(task.duration for task in self.tasks if task.start >= self.fcp)

    @property
    def blocking(self) -> float:
        return sum(
            task.duration - LONG_TASK_MS
            for task in self.tasks
            if task.start >= self.fcp and task.duration > LONG_TASK_MS
        )


def main_thread(events: list[dict]) -> tuple[int, int]:
    """The page's renderer main thread: the CrRendererMain that parsed HTML."""
    renderers = {
        (e["pid"], e["tid"])
        for e in events
        if e.get("ph") == "M"
        and e.get("name") == "thread_name"
        and e["args"].get("name") == "CrRendererMain"
    }
    parsed = collections.Counter(
        (e["pid"], e["tid"])
        for e in events
        if e.get("name") == "ParseHTML" and (e["pid"], e["tid"]) in renderers
    )
    if not parsed:
        raise ValueError("no renderer main thread parsed HTML in this trace")
    return parsed.most_common(1)[0][0]


def what(event: dict) -> str:
    """A work event's label: its kind, and the script, function or event it ran."""
    data = event.get("args", {}).get("data", {}) or {}
    label = WORK[event["name"]]
    url = (data.get("url") or "").rsplit("/", 1)[-1]
    if event["name"] == "EventDispatch":
        return f"{label} {data.get('type', '')}"
    if event["name"] == "EvaluateScript":
        return f"{label} {url or '(inline)'}"
    return label


def read_trace(events: list[dict]) -> Load:
    """The main thread's top-level tasks, FCP and restyled elements of one page load."""
    thread = main_thread(events)
    mine = [e for e in events if (e["pid"], e["tid"]) == thread and e.get("ph") == "X"]
    starts = [e["ts"] for e in events if e.get("name") == "navigationStart"]
    paints = [e["ts"] for e in events if e.get("name") == "firstContentfulPaint"]
    if not starts or not paints:
        raise ValueError("the trace has no navigationStart or no firstContentfulPaint")
    navigation = max(ts for ts in starts if ts <= min(paints))
    fcp = (min(paints) - navigation) / 1000
    tasks: list[Task] = []
    end = -1.0
    for event in sorted((e for e in mine if e["name"] == "RunTask"), key=lambda e: e["ts"]):
        if event["ts"] < navigation or event["ts"] < end:
            continue  # before the navigation, or nested in the task before
        end = event["ts"] + event.get("dur", 0)
        tasks.append(Task((event["ts"] - navigation) / 1000, event.get("dur", 0) / 1000))
    restyled = 0
    for event in mine:
        start = (event["ts"] - navigation) / 1000
        if event["name"] == "UpdateLayoutTree" and start >= fcp:
            restyled += event.get("args", {}).get("elementCount", 0)
        if event["name"] in WORK:
            for task in tasks:
                if task.start <= start < task.start + task.duration:
                    task.work[what(event)] += event.get("dur", 0) / 1000
                    break
    return Load(fcp, tasks, restyled)


def load_once(browser, url: str, slowdown: float) -> Load:
    """Load `url` once in a fresh context with the CPU slowed down; its trace, read."""
    context = browser.new_context(viewport=VIEWPORT, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": slowdown})
        browser.start_tracing(page=page, categories=CATEGORIES)
        try:
            page.goto(url, wait_until="load", timeout=60_000)
            page.wait_for_timeout(AFTER_LOAD_MS)
        finally:
            trace = browser.stop_tracing()
        return read_trace(json.loads(trace)["traceEvents"])
    finally:
        context.close()


def positive(text: str) -> float:
    value = float(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: 1 or more")
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", nargs="*", help="such as /en/causes/ (default: every page)")
    parser.add_argument("--runs", type=int, default=5, help="loads per page (median)")
    parser.add_argument("--cpu-slowdown", type=positive, default=4.0, help="4 as Lighthouse")
    parser.add_argument("--tasks", action="store_true", help="print the median load's long tasks")
    args = parser.parse_args()
    if why := missing_browser():
        sys.exit(why)
    if args.runs < 1:
        sys.exit("error: --runs must be 1 or more")
    paths = args.pages or page_paths()
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory() as tmp,
        built_and_served(Path(tmp), gzip=True) as base,
        sync_playwright() as playwright,
    ):
        browser = launch_chromium(playwright)
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
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
