"""Running snippets as a reader runs them, and copying the repository as a contributor
clones it. Nothing here is shown on the site."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from pages import ROOT, render, split_target


def load_snippet(target: str, database_url: str) -> dict:
    """Run a snippet exactly as the page shows it, in this process; return its globals."""
    code = render(target)
    namespace: dict = {"__name__": "__snippet__"}
    old = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = database_url
    try:
        exec(compile(code, f"snippets/{split_target(target)[0]}", "exec"), namespace)
    finally:
        if old is None:
            del os.environ["DATABASE_URL"]
        else:
            os.environ["DATABASE_URL"] = old
    return namespace


def run_script(
    target: str, database_url: str, tmp_path: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run a snippet as a reader would (``python file.py``), exactly as the page shows it."""
    file, _ = split_target(target)
    script = tmp_path / Path(file).name
    script.write_text(render(target) + "\n", encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, script.name],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )


def run_shell(target: str, tmp_path: Path, then: str = "") -> subprocess.CompletedProcess[str]:
    """Run a shell snippet with bash exactly as the page shows it, then `then`."""
    script = tmp_path / "snippet.sh"
    script.write_text(f"set -eu\n{render(target)}\n{then}\n", encoding="utf-8")
    return subprocess.run(
        ["bash", str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )


# What a fresh clone does not have: installed tools, build output, caches, git metadata.
_NOT_IN_A_CLONE = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".nox",
    "node_modules",
    "site",
    "__pycache__",
    ".pytest_cache",
    "*.egg-info",
    "build",
)


def copy_of_repository(dest: Path) -> Path:
    """The working tree copied to `dest` and committed to a new git repository there:
    what a contributor has after cloning (the "last updated" dates need git history)."""
    shutil.copytree(ROOT, dest, ignore=_NOT_IN_A_CLONE)
    git = ["git", "-C", str(dest), "-c", "user.name=Test", "-c", "user.email=test@example.invalid"]
    subprocess.run([*git, "-c", "init.defaultBranch=main", "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "-c", "commit.gpgsign=false", "commit", "-q", "-m", "clone"], check=True)
    return dest
