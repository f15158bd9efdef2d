"""Lighthouse scores of every page in both languages, served with gzip as a static host would.

Builds the site (with SITE_URL set to the address it is served from, so the absolute
links in the pages point at this server), serves it on 127.0.0.1 with gzip, runs
Lighthouse from the npm registry with Debian's Chromium (mobile preset, the default)
on every page, and prints the four scores and the page weight per page. Saves each
JSON report in --out. Slow (about 15 s a page), so not part of scripts/test.sh:

    .venv/bin/python scripts/lighthouse.py [--out DIR] [--pages /en/causes/ ...] [--runs 3]

Lighthouse's simulated throttling makes the performance score noisy on a busy machine:
--runs N measures each page N times and reports the median run (by performance score),
with its total blocking time (TBT) and largest contentful paint (LCP).

Needs Node.js 20+ (npm exec fetches the pinned Lighthouse on first use) and Chromium
(CHROMIUM_EXECUTABLE, as for the browser tests). Exits 1 if a page scores below the
targets: 100 for accessibility, best practices and SEO, 98 for performance.
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
from pages import languages, page_path, pages

LIGHTHOUSE = "lighthouse@13.5.0"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
TARGETS = {"performance": 98, "accessibility": 100, "best-practices": 100, "seo": 100}


def lighthouse(url: str, report: Path) -> dict:
    """One Lighthouse run (mobile preset); returns the parsed JSON report."""
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("error: Lighthouse runs with npm (Node.js 20+): install Node.js first")
    command = [
        npm, "exec", "--yes", f"--package={LIGHTHOUSE}", "--", "lighthouse", url,
        "--quiet", "--output=json", f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
    ]  # fmt: skip
    env = {**os.environ, "CHROME_PATH": str(CHROMIUM)}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0 or not report.is_file():
        sys.exit(f"error: Lighthouse failed on {url}:\n{result.stderr[-2000:]}")
    return json.loads(report.read_text(encoding="utf-8"))


def runs_score(report: dict, category: str) -> int:
    return round(100 * (report["categories"][category]["score"] or 0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=Path("lighthouse-reports"), help="where the JSON reports go"
    )
    parser.add_argument(
        "--pages", nargs="*", help="addresses such as /en/causes/ (default: every page)"
    )
    parser.add_argument(
        "--runs", type=int, default=1, help="runs per page; the median run is reported"
    )
    args = parser.parse_args()
    if why := missing_browser():
        sys.exit(why)
    paths = args.pages or [
        page_path(name, lang) for lang in languages() for name in sorted(pages())
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    below = []
    with tempfile.TemporaryDirectory() as tmp:
        with built_and_served(Path(tmp), gzip=True) as base:
            header = (
                f"{'page':<42} {'perf':>5} {'a11y':>5} {'best':>5} {'seo':>5}"
                f" {'TBT ms':>7} {'LCP s':>6} {'KiB':>7}"
            )
            print(header, "-" * len(header), sep="\n", flush=True)
            for path in paths:
                name = path.strip("/").replace("/", "_") or "ja_index"
                runs = []
                for run in range(args.runs):
                    suffix = f".{run + 1}" if args.runs > 1 else ""
                    runs.append(lighthouse(base + path, args.out / f"{name}{suffix}.json"))
                perf = [runs_score(report, "performance") for report in runs]
                # The median run by performance score (the lower middle for an even count).
                report = runs[perf.index(statistics.median_low(perf))]
                scores = {c: runs_score(report, c) for c in CATEGORIES}
                audits = report["audits"]
                weight = audits["total-byte-weight"]["numericValue"] / 1024
                tbt = audits["total-blocking-time"]["numericValue"]
                lcp = audits["largest-contentful-paint"]["numericValue"] / 1000
                spread = f"  (runs: {' '.join(map(str, perf))})" if args.runs > 1 else ""
                print(
                    f"{path:<42} "
                    + " ".join(f"{scores[c]:>5}" for c in CATEGORIES)
                    + f" {tbt:>7.0f} {lcp:>6.1f} {weight:>7.0f}{spread}",
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
