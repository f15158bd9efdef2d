"""The mutation check: careless edits to the snippets, each one the tests must catch.

Every code block on the site is a file under snippets/, and its page's tests run it. This
script checks that they also notice when it goes wrong: it makes one careless edit at a
time from scripts/mutations.toml (a fix switched off, a value moved across the page's
rule, a setting dropped from one sibling, an event or logger name changed), runs the
tests that cover that snippet on a copy of the repository with the edit, and reports it:

    CAUGHT        a test failed: good
    MISSED        every test passed: the tests do not check what the page claims
    EQUIVALENT    recorded as changing nothing (`equivalent = "why"`), and no test failed
    EQUIV-CAUGHT  recorded as changing nothing, yet a test failed: fix the list or the test
    BROKEN        the run itself failed (no server, a fixture error, a timeout): no verdict

It exits 0 only if every edit is CAUGHT or EQUIVALENT.

Usage (from the repository root; the test suite's dependencies installed in .venv):

    .venv/bin/python scripts/mutation.py --snippet snippets/causes/timeouts.py
    .venv/bin/python scripts/mutation.py --list                 # the edits and their tests
    .venv/bin/python scripts/mutation.py                        # every edit (12 min on 2 cores)
    .venv/bin/python scripts/mutation.py -k recycle --jobs 2    # edits whose id or text match

When you change a snippet, run it for that snippet. If an edit's `old` text no longer
matches, the list stops with the file and the text: update the entry to the new code.
A snippet that recommends something needs at least three edits in the list; one that
recommends nothing (a query that shows a setting, a measurement) is named under
[recommends_nothing] with the reason instead. A new article's entry starts as the
scaffold's TODO(new-article) placeholder, which fails until it is written.

Which tests run for an edit: every test function in tests/test_*.py that names the
snippet (a string such as "causes/timeouts.py", a module-level constant holding it, or
the module's snippet("timeouts.py")), directly or through a module-level helper or
fixture it uses; an entry's `tests = [...]` overrides that. The tests run once without
any edit first (the baseline): if they fail already, nothing else is run.

The server: DATABASE_URL if it is set (as for the test suite), otherwise one throwaway
server started here from the local mariadbd/mysqld and shared by every run (each run
makes its own database on it). Tests that restart or reconfigure a server start their
own, as in the suite. Standard library plus what the test suite already installs.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import contextlib
import getpass
import importlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import tomllib
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
SNIPPETS = ROOT / "snippets"
LIST = ROOT / "scripts" / "mutations.toml"
MARKER = "TODO(new-article)"  # what scripts/new_article.py leaves to be written
MIN_EDITS = 3  # per snippet that recommends something
# Not code: expected outputs and error texts, which their tests compare with real output.
NOT_CODE = {".txt"}
# Printed by tests/conftest.py when the run has no server: the run is broken, not failing.
NO_SERVER_SIGNS = ("No MySQL-protocol server for the tests", "Cannot connect to ")

# The pytest processes running now. Each runs in a session of its own (so that a timeout
# can stop it with its children), so a Ctrl-C does not reach them: run_all passes it on.
RUNNING: set[subprocess.Popen] = set()

sys.path.insert(0, str(TESTS))  # the suite's helpers (runners.py, servers.py, ...)


class ListError(Exception):
    """scripts/mutations.toml is wrong, or stale against the snippets."""


# --- The list -----------------------------------------------------------------------------


@dataclass
class Edit:
    id: str  # "causes/timeouts.py#2": the file and the edit's number for it
    file: str  # under snippets/
    what: str
    old: str
    new: str
    equivalent: str | None = None
    tests: list[str] | None = None  # node ids, overriding the covering tests

    def apply(self, root: Path) -> None:
        path = root / "snippets" / self.file
        text = path.read_text(encoding="utf-8")
        if text.count(self.old) != 1:  # the snippet changed since the list was read
            raise ListError(f"{self.file}: the text of edit {self.id!r} is no longer in it once")
        path.write_text(text.replace(self.old, self.new, 1), "utf-8")


def load_list(path: Path = LIST) -> tuple[list[Edit], dict[str, str]]:
    """The edits and [recommends_nothing], checked against snippets/ (ListError if wrong)."""
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ListError(f"{where}: {error}") from None
    unknown = set(data) - {"edit", "recommends_nothing"}
    if unknown:
        raise ListError(f"{where}: unknown top-level keys {sorted(unknown)}")
    exempt = data.get("recommends_nothing", {})
    problems: list[str] = []
    edits: list[Edit] = []
    counts: dict[str, int] = {}
    for n, entry in enumerate(data.get("edit", []), 1):
        label = f"{where}: edit {n} ({entry.get('file', 'no file')}: {entry.get('what', '')!r})"
        if any(MARKER in str(value) for value in entry.values()):
            problems.append(
                f"{label} is the placeholder scripts/new_article.py added: replace it with at "
                f"least {MIN_EDITS} careless edits of the new snippet (file, what, old, new), "
                f"each one a claim of the page the tests must defend; or, if the snippet "
                f"recommends nothing, delete it and name the snippet under [recommends_nothing]"
            )
            continue
        missing = [k for k in ("file", "what", "old", "new") if not isinstance(entry.get(k), str)]
        extra = set(entry) - {"file", "what", "old", "new", "equivalent", "tests"}
        if missing or extra:
            problems.append(
                f"{label}: "
                + "; ".join(
                    [f"needs {', '.join(missing)} (text)"] * bool(missing)
                    + [f"unknown keys {sorted(extra)}"] * bool(extra)
                )
            )
            continue
        snippet = SNIPPETS / entry["file"]
        if not snippet.is_file():
            problems.append(f"{label}: snippets/{entry['file']} does not exist")
            continue
        found = snippet.read_text(encoding="utf-8").count(entry["old"]) if entry["old"] else 0
        if found != 1:
            problems.append(
                f"{label}: its old text is in snippets/{entry['file']} {found} times, not once "
                f"(the snippet changed? update the entry):\n"
                + textwrap.indent(entry["old"], "      | ")
            )
            continue
        if entry["old"] == entry["new"]:
            problems.append(f"{label}: old and new are the same")
            continue
        counts[entry["file"]] = counts.get(entry["file"], 0) + 1
        edits.append(
            Edit(
                id=f"{entry['file']}#{counts[entry['file']]}",
                file=entry["file"],
                what=entry["what"],
                old=entry["old"],
                new=entry["new"],
                equivalent=entry.get("equivalent"),
                tests=entry.get("tests"),
            )
        )
    for name, reason in exempt.items():
        if not (SNIPPETS / name).is_file():
            problems.append(f"{where}: [recommends_nothing] names snippets/{name}, which is gone")
        elif not str(reason).strip():
            problems.append(f"{where}: [recommends_nothing] {name}: say why")
    for snippet in sorted(SNIPPETS.rglob("*")):
        name = snippet.relative_to(SNIPPETS).as_posix()
        if snippet.is_file() and snippet.suffix not in NOT_CODE and name not in exempt:
            if counts.get(name, 0) < MIN_EDITS:
                problems.append(
                    f"{where}: snippets/{name} has {counts.get(name, 0)} edits, needs at least "
                    f"{MIN_EDITS} (careless edits that break what the page claims), or a line "
                    f'under [recommends_nothing]: "{name}" = "why it recommends nothing"'
                )
    if problems:
        raise ListError("\n".join(problems))
    return edits, exempt


# --- Which tests cover a snippet ------------------------------------------------------------


def covering_tests(file: str) -> list[str]:
    """Node ids (tests/test_x.py::test_y) of the test functions that use snippets/`file`.

    A function uses it if it names it (a string "dir/file" or "dir/file:section", a
    module-level name whose value holds one, or the module's own snippet("file")), or uses
    a module-level function or fixture that does (by name, or as a parameter).
    """
    found = []
    for path in sorted(TESTS.glob("test_*.py")):
        if Path(file).name not in path.read_text(encoding="utf-8"):
            continue
        module = importlib.import_module(path.stem)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = {
            node.name: node
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        direct = {name for name, node in functions.items() if _names(node, module, file)}
        uses = {
            name: {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            | {a.arg for a in node.args.args}
            for name, node in functions.items()
        }
        covering, grew = set(direct), True
        while grew:
            grew = False
            for name in functions.keys() - covering:
                if uses[name] & covering:
                    covering.add(name)
                    grew = True
        found += [
            f"tests/{path.name}::{name}"
            for name in functions
            if name in covering and name.startswith("test_")
        ]
    return found


def _names(function: ast.AST, module, file: str) -> bool:
    """Whether `function`'s code names snippets/`file` (read as tests/test_site.py reads a
    test module: runners.named_strings)."""
    from runners import named_strings

    return any(value.partition(":")[0] == file for value in named_strings(function, module))


# --- The server every run shares ------------------------------------------------------------


class SharedServer:
    """DATABASE_URL if set; else a throwaway server from the local mariadbd/mysqld, started
    the way tests/servers.py has pytest-mysql start one; else none (the runs say so)."""

    def __init__(self, workdir: Path) -> None:
        self.url = os.environ.get("DATABASE_URL")
        self.where = "DATABASE_URL" if self.url else "no server"
        self._executor = None
        if self.url:
            return
        from servers import LOCAL_SERVER, local_server_url

        if not LOCAL_SERVER:
            return  # each run then fails with the suite's NO_SERVER message: BROKEN
        from pytest_mysql.executor import MySQLExecutor

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        base = workdir / "server"
        base.mkdir()
        self._executor = MySQLExecutor(
            mysqld_safe=LOCAL_SERVER["mysqld_safe"],
            mysqld=LOCAL_SERVER["mysqld_exec"],
            admin_exec=LOCAL_SERVER["admin_executable"],
            logfile_path=str(base / "server.log"),
            base_directory=base,
            params=LOCAL_SERVER["params"],
            user=getpass.getuser(),
            host="127.0.0.1",
            port=port,
            install_db=LOCAL_SERVER.get("install_db"),
        )
        # Its messages (and mysqld_safe's, for as long as it runs) go to a log of its own.
        with open(base / "start.log", "w") as log:
            saved = os.dup(2)
            os.dup2(log.fileno(), 2)
            try:
                self._executor.start()
            finally:
                os.dup2(saved, 2)
                os.close(saved)
        url = local_server_url(self._executor)
        self.url = url.render_as_string(hide_password=False)
        self.where = f"a throwaway server on port {port} ({LOCAL_SERVER['mysqld_exec']})"

    def stop(self) -> None:
        if self._executor:
            try:
                self._executor.stop()
            except Exception:  # it must not outlive the check
                self._executor.kill()


# --- One run of the tests --------------------------------------------------------------------


@dataclass
class Run:
    verdict: str  # "failed", "passed", "broken"
    summary: str  # pytest's last line, or why the run is broken
    first_failure: str = ""  # "test_x: AssertionError ..."
    output: str = ""
    seconds: float = 0.0


def run_tests(
    node_ids: list[str], edit: Edit | None, workdir: Path, database_url: str | None, timeout: float
) -> Run:
    """Copy the repository, apply `edit`, run `node_ids` there with pytest; what happened."""
    from runners import copy_of_repository  # the suite's own copy: what a clone has

    started = time.monotonic()
    (workdir / "repo").mkdir(parents=True)
    copy = copy_of_repository(workdir / "repo")
    if edit:
        try:
            edit.apply(copy)
        except ListError as error:  # a snippet edited while the check runs: no verdict
            return Run("broken", str(error), seconds=time.monotonic() - started)
    report = workdir / "junit.xml"
    command = [
        *(sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-x", "-q", "-n", "0"),
        *("--basetemp", str(workdir / "tmp"), "--junitxml", str(report), *node_ids),
    ]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    if database_url:
        env["DATABASE_URL"] = database_url
    process = subprocess.Popen(
        command,
        cwd=copy,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        start_new_session=True,  # so that a timeout can stop pytest and its children
    )
    RUNNING.add(process)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        output = stop(process)
        return Run("broken", f"timed out after {timeout:.0f} s", output=output, seconds=timeout)
    except KeyboardInterrupt:  # in the main thread (the baseline)
        stop(process)
        raise
    finally:
        RUNNING.discard(process)
    seconds = time.monotonic() - started
    lines = output.strip().splitlines()
    summary = lines[-1].strip("= ") if lines else f"no output (exit code {process.returncode})"
    if any(sign in output for sign in NO_SERVER_SIGNS):
        return Run("broken", "no usable server: " + summary, output=output, seconds=seconds)
    failures, errors, ran = _junit(report)
    if process.returncode == 0 and not ran:
        return Run("broken", f"no test ran ({summary})", output=output, seconds=seconds)
    if process.returncode == 0:
        return Run("passed", summary, output=output, seconds=seconds)
    if process.returncode == 1 and failures:
        return Run("failed", summary, failures[0], output, seconds)
    if process.returncode in (1, 2) and errors and all("collection" in e for e in errors):
        # Collecting the tests failed: the edited snippet is read when the tests are.
        return Run("failed", summary, errors[0], output, seconds)
    why = errors[0] if errors else f"pytest exit code {process.returncode}"
    return Run("broken", f"{summary} ({why})", output=output, seconds=seconds)


def stop(process: subprocess.Popen) -> str:
    """Stop a pytest run: SIGINT first, so that pytest tears its fixtures down (the servers
    it started included); SIGKILL if it has not ended a minute later. Returns its output."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGINT)
    try:
        return process.communicate(timeout=60)[0]
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        return process.communicate()[0]


def _junit(report: Path) -> tuple[list[str], list[str], int]:
    """From pytest's JUnit XML: "test: message" of each failed test and of each error, and
    how many tests ran (not skipped)."""
    if not report.is_file():
        return [], [], 0
    failures, errors, ran = [], [], 0
    for case in ET.parse(report).getroot().iter("testcase"):
        ran += case.find("skipped") is None
        for tag, found in (("failure", failures), ("error", errors)):
            for element in case.findall(tag):
                lines = [line.strip() for line in (element.get("message") or "").splitlines()]
                lines = [line for line in lines if line] or [tag]
                # "AssertionError:" alone (an empty assertion message): the assertion follows.
                first = " ".join(lines[:2]) if lines[0].endswith(":") else lines[0]
                found.append(f"{case.get('name')}: {first}")
    return failures, errors, ran


# --- The check ----------------------------------------------------------------------------------


@dataclass
class Result:
    edit: Edit
    tests: list[str]
    run: Run
    outcome: str = field(init=False)

    def __post_init__(self) -> None:
        verdict = self.run.verdict
        if verdict == "broken":
            self.outcome = "BROKEN"
        elif self.edit.equivalent:
            self.outcome = "EQUIV-CAUGHT" if verdict == "failed" else "EQUIVALENT"
        else:
            self.outcome = "CAUGHT" if verdict == "failed" else "MISSED"

    @property
    def ok(self) -> bool:
        return self.outcome in ("CAUGHT", "EQUIVALENT")

    @property
    def note(self) -> str:
        if self.outcome == "CAUGHT":
            return "by " + self.run.first_failure
        if self.outcome == "EQUIVALENT":
            return f"{self.edit.equivalent} ({self.run.summary})"
        if self.outcome == "EQUIV-CAUGHT":
            return f"recorded as equivalent ({self.edit.equivalent}), yet failed: " + (
                self.run.first_failure
            )
        if self.outcome == "MISSED":
            return f"passed: {', '.join(short(t) for t in self.tests)} ({self.run.summary})"
        return self.run.summary


def short(node_id: str) -> str:
    return node_id.rpartition("::")[2]


def select(edits: list[Edit], snippets: list[str], keyword: str | None) -> list[Edit]:
    wanted = {s.removeprefix("snippets/").removeprefix("./snippets/") for s in snippets}
    unknown = wanted - {e.file for e in edits}
    if unknown:
        raise ListError(
            f"{LIST.relative_to(ROOT)} has no edits for {', '.join(sorted(unknown))} "
            f"(--snippet takes a path such as snippets/causes/timeouts.py)"
        )
    return [
        e
        for e in edits
        if (not wanted or e.file in wanted)
        and (not keyword or keyword.lower() in f"{e.id} {e.what}".lower())
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Apply careless edits to the snippets one at a time; the tests must fail.",
        epilog="The edits: scripts/mutations.toml. See this script's docstring for more.",
    )
    parser.add_argument(
        "--snippet",
        action="append",
        default=[],
        metavar="PATH",
        help="only the edits of this snippet (repeatable), e.g. snippets/causes/timeouts.py",
    )
    parser.add_argument("-k", metavar="TEXT", help="only edits whose id or description has TEXT")
    parser.add_argument("--list", action="store_true", help="list the edits and their tests")
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="runs at once (default 1)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=600,
        metavar="SECONDS",
        help="per run of the tests (default 600)",
    )
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="skip the first run without an edit (it checks that the tests pass as they are)",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()

    try:
        edits, _ = load_list()
        edits = select(edits, args.snippet, args.k)
    except ListError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    covering = {}
    for edit in edits:
        if edit.file not in covering:
            covering[edit.file] = covering_tests(edit.file)
    tests = {e.id: e.tests or covering[e.file] for e in edits}
    uncovered = [e.id for e in edits if not tests[e.id]]
    if uncovered:
        print(f"error: no test uses these snippets: {', '.join(uncovered)}", file=sys.stderr)
        return 2

    if args.list:
        for edit in edits:
            flag = f"  [equivalent: {edit.equivalent}]" if edit.equivalent else ""
            print(f"{edit.id}  {edit.what}{flag}")
            print(f"    tests: {', '.join(short(t) for t in tests[edit.id])}")
        print(f"{len(edits)} edits")
        return 0
    if not edits:
        print("No edits match.", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
        workdir = Path(tmp)
        # A SIGTERM (a CI job cancelled) stops the runs and the server as Ctrl-C does.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        server = SharedServer(workdir)
        try:
            print(f"Server: {server.where}", flush=True)
            if not args.no_baseline:
                union = list(dict.fromkeys(t for e in edits for t in tests[e.id]))
                print(f"Baseline: {len(union)} tests without any edit ...", flush=True)
                base = run_tests(union, None, workdir / "baseline", server.url, args.timeout)
                if base.verdict != "passed":
                    print(base.output[-6000:], file=sys.stderr)
                    print(
                        f"error: the tests fail without any edit ({base.summary}; "
                        f"{base.first_failure}): fix that first",
                        file=sys.stderr,
                    )
                    return 2
                print(f"Baseline: {base.summary}", flush=True)
            results = run_all(edits, tests, workdir, server.url, args)
        except KeyboardInterrupt:
            print("Interrupted: the runs and the server are stopped.", file=sys.stderr)
            return 130
        finally:
            server.stop()

    report(results, time.monotonic() - started)
    return 0 if all(r.ok for r in results) else 1


def run_all(edits, tests, workdir: Path, database_url, args) -> list[Result]:
    results: dict[str, Result] = {}

    def one(index: int, edit: Edit) -> Result:
        run = run_tests(tests[edit.id], edit, workdir / f"e{index}", database_url, args.timeout)
        return Result(edit, tests[edit.id], run)

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs))
    try:
        futures = [pool.submit(one, i, e) for i, e in enumerate(edits)]
        for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
            result = future.result()
            results[result.edit.id] = result
            print(
                f"[{done}/{len(edits)}] {result.outcome:<12} {result.edit.id}  "
                f"({result.run.seconds:.0f} s)  {result.note}",
                flush=True,
            )
            if result.outcome == "BROKEN":
                print(textwrap.indent(result.run.output[-3000:], "    | "), flush=True)
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)
        for process in list(RUNNING):  # pytest tears its fixtures down on SIGINT
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGINT)
        pool.shutdown(wait=True)
        raise
    pool.shutdown()
    return [results[e.id] for e in edits]


def report(results: list[Result], seconds: float) -> None:
    print()
    width = max(len(r.edit.id) for r in results)
    for r in results:
        print(f"{r.outcome:<12} {r.edit.id:<{width}}  {r.edit.what}")
        if not r.ok or r.outcome == "EQUIVALENT":
            print(f"{'':<12} {'':<{width}}  -> {r.note}")
    counts = Counter(r.outcome for r in results)
    minutes, secs = divmod(round(seconds), 60)
    print(
        f"\n{len(results)} edit{'s' * (len(results) != 1)}: "
        + ", ".join(f"{n} {outcome}" for outcome, n in counts.items())
        + f" in {minutes} min {secs} s"
    )


if __name__ == "__main__":
    sys.exit(main())
