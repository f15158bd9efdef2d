"""tests/main_thread_trace.py (scripts/main_thread.py): which load of a trace it reads.

A trace has more than the page's load: the frame's initial about:blank starts a navigation of
its own (on a busy CPU, after the page's), and other renderers (a closed context's) run tasks
of their own. These traces are shaped as Chromium 156's were when both happened in CI; that
Chromium still writes them so is checked in test_browser.py ("The measurement script").
"""

from __future__ import annotations

import re

import pytest

from main_thread_trace import read_trace

pytestmark = [pytest.mark.docs]

URL = "http://127.0.0.1:8000/en/mysql-server-has-gone-away/"
PAGE = (20, 20)  # the page's renderer main thread
OTHER = (10, 10)  # another renderer's


def event(name, ms, thread=PAGE, dur_ms=None, **args):
    e = {"name": name, "ts": ms * 1000, "pid": thread[0], "tid": thread[1], "args": args}
    if dur_ms is None:
        e["ph"] = "I"
    else:
        e["ph"], e["dur"] = "X", dur_ms * 1000
    return e


def navigation(ms, url, navigation_id, thread=PAGE):
    data = {"documentLoaderURL": url, "navigationId": navigation_id}
    return event("navigationStart", ms, thread, data=data)


def task(ms, dur_ms, *work, thread=PAGE):
    return [event("RunTask", ms, thread, dur_ms), *work]


def evaluate(ms, dur_ms, url, thread=PAGE):
    return event("EvaluateScript", ms, thread, dur_ms, data={"url": url})


BUNDLE = "http://127.0.0.1:8000/assets/javascripts/bundle.a5f9d56c.min.js"

# The page: navigation at 100 ms, first paint at 400 ms, Material's bundle evaluated at
# 600 ms in a 120 ms task that restyles 1,500 elements. The frame's about:blank starts its
# navigation at 110 ms; another renderer parses more HTML than the page.
TRACE = [
    *(
        {
            "name": "thread_name",
            "ph": "M",
            "pid": pid,
            "tid": tid,
            "args": {"name": "CrRendererMain"},
        }
        for pid, tid in (PAGE, OTHER)
    ),
    navigation(100, URL, "page"),
    navigation(110, "", "blank"),
    *task(150, 90, event("ParseHTML", 150, PAGE, 80)),
    event("firstContentfulPaint", 400, data={"navigationId": "page"}),
    *task(
        600,
        120,
        evaluate(600, 70, BUNDLE),
        event("UpdateLayoutTree", 680, PAGE, 30, elementCount=1500),
    ),
    *task(150, 400, event("ParseHTML", 150, OTHER, 400), thread=OTHER),
    *task(600, 500, event("ParseHTML", 600, OTHER, 500), thread=OTHER),
    navigation(700, "", "other", thread=OTHER),
]


def test_the_pages_navigation_and_thread_are_found_by_its_url():
    load = read_trace(TRACE, URL)
    assert load.fcp == 300  # from the page's navigation, not the about:blank's
    assert [(t.start, t.duration) for t in load.tasks] == [(50, 90), (500, 120)]
    assert load.tasks[1].work == {"evaluate bundle.a5f9d56c.min.js": 70, "style": 30}
    assert load.restyled == 1500
    assert (load.busy, load.after_fcp, load.blocking) == (210, 120, 70)


def test_a_trace_without_the_page_says_so():
    with pytest.raises(ValueError, match=re.escape("no navigation to http://127.0.0.1:8000/en/")):
        read_trace(TRACE, "http://127.0.0.1:8000/en/")
    no_paint = [e for e in TRACE if e["name"] != "firstContentfulPaint"]
    with pytest.raises(ValueError, match=re.escape("no first contentful paint of " + URL)):
        read_trace(no_paint, URL)
