"""Reading a page load's main-thread work from Chromium's trace.

Shared by scripts/main_thread.py (which prints it for every page) and
tests/test_browser.py (which checks that Chromium's trace still has the events read here).
"""

from __future__ import annotations

import collections
import json
from dataclasses import dataclass, field

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


def what(event: dict) -> str:
    """A work event's label: its kind, and the script or event it ran."""
    data = event.get("args", {}).get("data", {}) or {}
    label = WORK[event["name"]]
    if event["name"] == "EventDispatch":
        return f"{label} {data.get('type', '')}"
    if event["name"] == "EvaluateScript":
        return f"{label} {(data.get('url') or '').rsplit('/', 1)[-1] or '(inline)'}"
    return label


def read_trace(events: list[dict], url: str) -> Load:
    """The main thread's top-level tasks, FCP and restyled elements of the load of `url`.

    The load is found by its navigation's id: the trace also has the frame's initial
    about:blank (which starts a navigation too, sometimes after the page's when the CPU is
    busy) and other renderers (a closed context's among them)."""
    navigations = [
        e
        for e in events
        if e.get("name") == "navigationStart"
        and e["args"].get("data", {}).get("documentLoaderURL") == url
    ]
    if not navigations:
        raise ValueError(f"the trace has no navigation to {url}")
    start = min(navigations, key=lambda e: e["ts"])
    navigation, thread = start["ts"], (start["pid"], start["tid"])
    paints = [
        e["ts"]
        for e in events
        if e.get("name") == "firstContentfulPaint"
        and e["args"].get("data", {}).get("navigationId") == start["args"]["data"]["navigationId"]
    ]
    if not paints:
        raise ValueError(f"the trace has no first contentful paint of {url}")
    fcp = (min(paints) - navigation) / 1000
    mine = [e for e in events if (e["pid"], e["tid"]) == thread and e.get("ph") == "X"]
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
        return read_trace(json.loads(trace)["traceEvents"], url)
    finally:
        context.close()
