"""Running a snippet exactly as the page shows it: in this process, as a script, with
bash, or its SQL on a connection; and a copy of the repository for commands run in a clone.

Every runnable block on a page is run by the page's test module through one of these
(tests/test_site.py checks that).
"""

from __future__ import annotations

import ast
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pages import ROOT, render, split_target

# How test_site recognises that a test runs a snippet: a call of one of these (the
# functions below, and the engines fixture's load_snippet and snippet_engine).
RUNNERS = ("load_snippet", "snippet_engine", "run_script", "run_shell", "run_sql", "run_server")


def load_snippet(target: str, database_url: str) -> dict:
    """Run a snippet exactly as the page shows it, in this process; return its globals.

    (The ``engines`` fixture's ``load`` does this and disposes the snippet's engine.)
    """
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
    """Run a snippet as a reader would (``python file.py``), exactly as the page shows it.

    Warnings are errors (``-W error``), as they are for the snippets the tests load in
    their own process (pyproject.toml): a snippet that starts printing a deprecation
    warning fails its test, since the page shows no warning.
    """
    file, _ = split_target(target)
    return run_program(render(target), Path(file).name, database_url, tmp_path, timeout)


def run_program(
    code: str, name: str, database_url: str, tmp_path: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run `code` as a reader runs a program (``python <name>``, in `tmp_path`, with
    DATABASE_URL set), as run_script() runs a snippet: for a program a test writes itself."""
    (tmp_path / name).write_text(code + "\n", encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-W", "error", name],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )


def run_shell(target: str, cwd: Path, then: str = "") -> subprocess.CompletedProcess[str]:
    """Run a shell snippet with bash exactly as the page shows it (in `cwd`), then `then`."""
    script = cwd / "snippet.sh"
    script.write_text(f"set -eu\n{render(target)}\n{then}\n", encoding="utf-8")
    return subprocess.run(
        ["bash", str(script)], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def run_sql(target: str, conn) -> tuple[list[str], list[tuple]] | None:
    """Run an SQL snippet's statements on `conn` as the page shows them; returns the last
    statement's result (columns and rows), or None if it returned none."""
    last = None
    for statement in filter(str.strip, render(target).split(";")):
        result = conn.exec_driver_sql(statement)
        last = (
            (list(result.keys()), [tuple(row) for row in result]) if result.returns_rows else None
        )
    return last


def copy_of_repository(dest: Path) -> Path:
    """The repository's files as a fresh clone has them (tracked and new, not ignored),
    copied to `dest` and committed to a new git repository there: what a contributor has
    after cloning (the "last updated" dates need git history)."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # a deleted file git still tracks is not in a clone either
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            (dest / name).write_bytes(source.read_bytes())
            (dest / name).chmod(source.stat().st_mode)
    git = ["git", "-C", str(dest), "-c", "user.name=Test", "-c", "user.email=test@example.invalid"]
    subprocess.run([*git, "-c", "init.defaultBranch=main", "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "-c", "commit.gpgsign=false", "commit", "-q", "-m", "clone"], check=True)
    return dest


# --- Which snippets a test module names and runs (tests/test_site.py, scripts/mutation.py) ---


def strings_in(value) -> Iterator[str]:
    """Every string in a value: itself, or inside dicts, lists, tuples and sets."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from strings_in(item)


def string_value(node: ast.AST, module) -> str | None:
    """The string an expression of `module` stands for, if it is a plain one: a literal, a
    module-level name bound to a string, or the module's own snippet("<file>")."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and isinstance(vars(module).get(node.id), str):
        return vars(module)[node.id]
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "snippet"
        and len(node.args) == 1
        and hasattr(module, "snippet")
        and (name := string_value(node.args[0], module))
    ):
        return module.snippet(name)
    return None


def named_strings(tree: ast.AST, module) -> Iterator[str]:
    """Every string the code in `tree` names: literals, snippet("<file>") calls, and the
    strings held by the module-level values it refers to by name (e.g. a registry of error
    texts). A mention in a comment is not code."""
    for node in ast.walk(tree):
        if (value := string_value(node, module)) is not None:
            yield value
        elif isinstance(node, ast.Name) and not callable(value := vars(module).get(node.id)):
            yield from strings_in(value)


def runs_of(tree: ast.AST, module) -> set[str]:
    """The snippets the code in `tree` runs: the first argument of one of RUNNERS
    (load_snippet, run_script, ...) or of the engines fixture's methods of those names."""
    run = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if called in RUNNERS and (target := string_value(node.args[0], module)):
                run.add(target)
    return run


@dataclass
class RunningServer:
    """A server a test started (run_server): where it listens, and what it has logged."""

    url: str
    log_file: Path
    pid: int

    def log(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def run_server(
    target: str,
    database_url: str,
    tmp_path: Path,
    command: list[str],
    *,
    edit: tuple[str, str] | None = None,
    ready_timeout: float = 30,
) -> Iterator[RunningServer]:
    """Serve a snippet's app as a reader would (``uvicorn app:app``), exactly as the page
    shows it, on 127.0.0.1 at a free port; yields it once it accepts connections, and
    stops it by its pid when the block ends, passed or failed.

    `command` names the snippet's module as ``{module}`` and the port as ``{port}``; it
    runs with ``python -m`` in `tmp_path`. `edit` is one (old, new) replacement, `old`
    exactly once in the snippet: the page's app with its fix taken out.
    """
    file, _ = split_target(target)
    code = render(target) + "\n"
    if edit is not None:
        old, new = edit
        assert code.count(old) == 1, f"{old!r} is not in {target} exactly once"
        code = code.replace(old, new)
    module = Path(file).stem
    (tmp_path / f"{module}.py").write_text(code, encoding="utf-8")
    with serve_module(module, database_url, tmp_path, command, ready_timeout) as server:
        yield server


@contextlib.contextmanager
def serve_module(
    module: str, database_url: str, cwd: Path, command: list[str], ready_timeout: float = 30
) -> Iterator[RunningServer]:
    """run_server's work for a module already in `cwd` (a test's own app, not a page's).
    A server that is not listening within `ready_timeout` seconds, or that exits, fails the
    test with its log; it is stopped by its pid, however the block ends."""
    port = _free_port()
    args = [arg.format(module=module, port=port) for arg in command]
    log_file = cwd / f"{module}.log"
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONIOENCODING": "utf-8"}
    with log_file.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", *args], cwd=cwd, env=env, stdout=log, stderr=log
        )
    server = RunningServer(f"http://127.0.0.1:{port}", log_file, process.pid)
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if process.poll() is not None:
                raise AssertionError(
                    f"{' '.join(args)} exited with status {process.returncode} before it "
                    f"listened on port {port}:\n{server.log()}"
                )
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{' '.join(args)} was not listening on port {port} after "
                    f"{ready_timeout} s:\n{server.log()}"
                )
            time.sleep(0.05)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
