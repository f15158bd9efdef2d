"""Lighthouse scores of every page in both languages, served with gzip as a static host would.

Builds the site (with SITE_URL set to the address it is served from, so the absolute
links in the pages point at this server), serves it on 127.0.0.1 with gzip, runs
Lighthouse from the npm registry with Debian's Chromium (mobile preset, the default)
on every page, and prints the four scores and the page weight per page. Saves each
JSON report in --out. Slow (about 15 s a page), so not part of scripts/test.sh:

    .venv/bin/python scripts/lighthouse.py [--out DIR] [--pages /en/causes/ ...] [--runs 3]
                                           [--cpu-slowdown 4|auto|N]

CPU: Lighthouse's mobile preset slows the host's CPU down 4 times (the default here too),
a factor meant for a fast desktop (benchmarkIndex 1500-2000) to play a mid-tier phone.
On a slower host the same factor plays a slower phone, and Lighthouse's documentation
says to lower it (docs/throttling.md, "Calibrating the CPU slowdown", in
GoogleChrome/lighthouse). `--cpu-slowdown auto` does that: it reads the host's
benchmarkIndex from three Lighthouse runs on the home page (the median) and uses the
factor of the calculator that page links to (patrickhulce/lighthouse-cpu-throttling-
calculator). Not the default: on a shared virtual machine the index itself moves (1164
to 1676 within half an hour on the machine this was written on), and the factor with it.
The table's `bench` column is each reported run's benchmarkIndex, to tell a slow moment
of the host from a slow page.

Lighthouse's simulated throttling makes the performance score noisy on a busy machine:
--runs N measures each page N times and reports the median run (by performance score),
with its total blocking time (TBT) and largest contentful paint (LCP).

Needs Node.js 20+ (npm exec fetches the pinned Lighthouse on first use), Chromium
(CHROMIUM_EXECUTABLE, as for the browser tests) and a Japanese font (Debian:
fonts-noto-cjk, scripts/system_packages.sh's fonts group): without one, Chromium
looks for a font for every Japanese character and finds none, which is not what a
reader's device does, and costs the Japanese pages layout time. Exits 1 if a page
scores below the targets: 100 for accessibility, best practices and SEO, 98 for
performance.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from browser import CHROMIUM, built_and_served, missing_browser
from pages import add_pages_option, page_paths

LIGHTHOUSE = "lighthouse@13.5.0"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
TARGETS = {"performance": 98, "accessibility": 100, "best-practices": 100, "seo": 100}


def lighthouse(url: str, report: Path, *options: str) -> dict:
    """One Lighthouse run (mobile preset, and `options`); returns the parsed JSON report."""
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("error: Lighthouse runs with npm (Node.js 20+): install Node.js first")
    command = [
        npm, "exec", "--yes", f"--package={LIGHTHOUSE}", "--", "lighthouse", url,
        "--quiet", "--output=json", f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu", *options,
    ]  # fmt: skip
    env = {**os.environ, "CHROME_PATH": str(CHROMIUM)}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0 or not report.is_file():
        sys.exit(f"error: Lighthouse failed on {url}:\n{result.stderr[-2000:]}")
    return json.loads(report.read_text(encoding="utf-8"))


def calculated_slowdown(benchmark: float) -> float:
    """The CPU slowdown that plays Lighthouse's mid-tier phone on a host of this
    benchmarkIndex: patrickhulce/lighthouse-cpu-throttling-calculator (pages/index.js),
    the calculator Lighthouse's docs/throttling.md links to. 1533 -> 4x, 1300 -> 3x,
    800 -> 2x, 150 -> 1x, linear in between."""
    if benchmark >= 1300:
        return 3 + (benchmark - 1300) / 233
    if benchmark >= 800:
        return 2 + (benchmark - 800) / 500
    if benchmark >= 150:
        return 1 + (benchmark - 150) / 650
    sys.exit(f"error: benchmarkIndex {benchmark:.0f}: this host is too slow to play a phone")


def calibrate(url: str, out: Path) -> tuple[float, float]:
    """This host's benchmarkIndex (the median of 3 runs on `url`) and its CPU slowdown."""
    indexes = [
        lighthouse(url, out / f"calibration.{run}.json", "--only-categories=performance")[
            "environment"
        ]["benchmarkIndex"]
        for run in range(3)
    ]
    benchmark = statistics.median(indexes)
    return benchmark, round(calculated_slowdown(benchmark), 1)


def japanese_font() -> bool:
    """Whether fontconfig (Chromium's fonts on Linux) has a font for Japanese."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    listed = subprocess.run([fc_list, ":lang=ja", "family"], capture_output=True, text=True)
    return bool(listed.stdout.strip())


def slowdown_option(text: str) -> str | float:
    """--cpu-slowdown: "auto" or a factor of at least 1."""
    if text == "auto":
        return text
    try:
        factor = float(text)
    except ValueError:
        factor = 0.0
    if factor < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: auto, or a factor of 1 or more such as 4")
    return factor


def runs_score(report: dict, category: str) -> int:
    return round(100 * (report["categories"][category]["score"] or 0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=Path("lighthouse-reports"), help="where the JSON reports go"
    )
    add_pages_option(parser)
    parser.add_argument(
        "--runs", type=int, default=1, help="runs per page; the median run is reported"
    )
    parser.add_argument(
        "--cpu-slowdown",
        default=4.0,
        type=slowdown_option,
        help="Lighthouse's CPU slowdown: a factor (4, Lighthouse's default) or auto (calibrated)",
    )
    args = parser.parse_args()
    if why := missing_browser():
        sys.exit(why)
    if not japanese_font():
        sys.exit(
            "error: no Japanese font (fc-list :lang=ja): the Japanese pages would be measured"
            " with none; install fonts-noto-cjk (bash scripts/system_packages.sh --install fonts)"
        )
    paths = args.pages or page_paths()
    args.out.mkdir(parents=True, exist_ok=True)
    below = []
    with tempfile.TemporaryDirectory() as tmp:
        with built_and_served(Path(tmp), gzip=True) as base:
            if args.cpu_slowdown == "auto":
                benchmark, slowdown = calibrate(base + "/", args.out)
                print(
                    f"CPU slowdown {slowdown:g}x: this host's benchmarkIndex is {benchmark:.0f}"
                    " (Lighthouse's default, 4x, is for 1500-2000)"
                )
            else:
                slowdown = args.cpu_slowdown
                default = " (Lighthouse's default)" if slowdown == 4 else ""
                print(f"CPU slowdown {slowdown:g}x{default}")
            throttling = f"--throttling.cpuSlowdownMultiplier={slowdown}"
            header = (
                f"{'page':<42} {'perf':>5} {'a11y':>5} {'best':>5} {'seo':>5}"
                f" {'TBT ms':>7} {'LCP s':>6} {'KiB':>7} {'bench':>6}"
            )
            print(header, "-" * len(header), sep="\n", flush=True)
            for path in paths:
                name = path.strip("/").replace("/", "_") or "ja_index"
                runs = []
                for run in range(args.runs):
                    suffix = f".{run + 1}" if args.runs > 1 else ""
                    runs.append(
                        lighthouse(base + path, args.out / f"{name}{suffix}.json", throttling)
                    )
                perf = [runs_score(report, "performance") for report in runs]
                # The median run by performance score (the lower middle for an even count).
                report = runs[perf.index(statistics.median_low(perf))]
                scores = {c: runs_score(report, c) for c in CATEGORIES}
                audits = report["audits"]
                weight = audits["total-byte-weight"]["numericValue"] / 1024
                tbt = audits["total-blocking-time"]["numericValue"]
                lcp = audits["largest-contentful-paint"]["numericValue"] / 1000
                bench = report["environment"]["benchmarkIndex"]
                spread = f"  (runs: {' '.join(map(str, perf))})" if args.runs > 1 else ""
                print(
                    f"{path:<42} "
                    + " ".join(f"{scores[c]:>5}" for c in CATEGORIES)
                    + f" {tbt:>7.0f} {lcp:>6.1f} {weight:>7.0f} {bench:>6.0f}{spread}",
                    flush=True,
                )
                below += [
                    f"{path}: {c} {scores[c]} < {TARGETS[c]}"
                    for c in CATEGORIES
                    if scores[c] < TARGETS[c]
                ]
    print("\n".join(below) if below else "every page meets the targets")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
