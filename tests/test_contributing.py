"""The contributing page docs/contributing.{ja,en}.md: the new-article path, end to end.

Snippets: snippets/contributing/. The tests share one copy of this repository
(runners.copy_of_repository), as a contributor works in a clone. There they run the page's
scaffold command and add the nav lines it prints; they start a second article the same way
and finish it. One pytest run of the docs checks and both articles' tests (against the
same database server as this run) then shows what the page says: the example fails with
the messages the page shows, the finished article passes. The docs checks' other messages
are read by running the clone's own checks in this process on a broken copy.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from pages import ROOT, render
from runners import copy_of_repository, run_shell

PAGE = "contributing"
SLUG, MODULE = "too-many-connections", "too_many_connections"  # the page's example
DONE, DONE_MODULE = "finished-example", "finished_example"  # an article written to the end

# One clone for the whole module, so its tests run on one pytest-xdist worker.
pytestmark = [pytest.mark.docs, pytest.mark.xdist_group("contributing")]


def snippet(name: str) -> str:
    return f"{PAGE}/{name}"


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    for slug in (SLUG, DONE):
        if list((ROOT / "docs").glob(f"{slug}.*.md")):
            pytest.fail(
                f"The tests create docs/{slug}.*.md, which the repository now has. Give the "
                f"example in snippets/contributing/new_article.sh (or DONE here) a name no page "
                f"has, then update new_article.txt, first_run.txt and SLUG in this file.",
                pytrace=False,
            )
    return copy_of_repository(tmp_path_factory.mktemp("contributing") / "clone")


@pytest.fixture(scope="module")
def scaffolded(clone) -> tuple[subprocess.CompletedProcess[str], bool]:
    """The page's scaffold command, run at the top of the clone; whether it left
    mkdocs.yml as it was."""
    before = (clone / "mkdocs.yml").read_bytes()
    result = run_shell(snippet("new_article.sh"), clone)
    return result, (clone / "mkdocs.yml").read_bytes() == before


def new_article(clone: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "scripts/new_article.py", *args], cwd=clone, capture_output=True, text=True
    )


def add_to_nav(clone: Path, printed: str) -> None:
    """Add the two lines the scaffold printed to the clone's mkdocs.yml, as a contributor
    would: first under nav:, and under nav_translations:, indented like their neighbours."""
    lines = printed.splitlines()

    def line_after(end: str) -> str:
        return lines[next(i for i, line in enumerate(lines) if line.endswith(end)) + 1].strip()

    entry, translation = line_after("under nav:"), line_after("of the en language:")
    mkdocs_yml = clone / "mkdocs.yml"
    text = mkdocs_yml.read_text(encoding="utf-8")
    text = re.sub(r"^nav:\n(\s*)", lambda m: f"{m[0]}{entry}\n{m[1]}", text, count=1, flags=re.M)
    text = re.sub(
        r"^\s*nav_translations:\n(\s*)",
        lambda m: f"{m[0]}{translation}\n{m[1]}",
        text,
        count=1,
        flags=re.M,
    )
    mkdocs_yml.write_text(text, encoding="utf-8")


def finish(clone: Path, slug: str, module: str) -> None:
    """Write every place the scaffold marked, and the test's assertion."""
    todo = re.compile(r"<!-- TODO\(new-article\).*?-->|TODO\(new-article\)[^\"]*")
    for lang, text in (("ja", "書き終えた段落です。"), ("en", "A finished paragraph.")):
        page = clone / "docs" / f"{slug}.{lang}.md"
        page.write_text(todo.sub(text, page.read_text(encoding="utf-8")), encoding="utf-8")
    example = clone / "snippets" / module / "example.py"
    example.write_text(
        re.sub(r"^#.*TODO\(new-article\).*\n", "", example.read_text(encoding="utf-8"), flags=re.M),
        encoding="utf-8",
    )
    test = clone / "tests" / f"test_{module}.py"
    real_assertion = '    assert re.match(r"\\d+\\.\\d+\\.\\d+", result.stdout), result.stdout\n'
    test.write_text(
        re.sub(
            r"    pytest\.fail\(.*?\n    \)\n",
            lambda _: real_assertion,
            test.read_text(encoding="utf-8").replace("import pytest\n", "import re\n"),
            flags=re.S,
        ),
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def ready(clone, scaffolded) -> Path:
    """The clone with the page's example in the nav, as the scaffold left it otherwise,
    and a second article, in the nav and finished."""
    result, _ = scaffolded
    assert result.returncode == 0, result.stderr
    add_to_nav(clone, result.stdout)
    done = new_article(clone, DONE, "--title-ja", "書き終えた記事", "--title-en", "Finished")
    assert done.returncode == 0, done.stderr
    add_to_nav(clone, done.stdout)
    finish(clone, DONE, DONE_MODULE)
    return clone


@pytest.fixture(scope="module")
def first_run(ready, server_url) -> subprocess.CompletedProcess[str]:
    """The docs checks and both articles' tests, run in the clone as bash scripts/test.sh
    would (same interpreter and packages as this run, same database server): the only
    nested pytest run of the module, with the site build it includes."""
    env = {
        **os.environ,
        "DATABASE_URL": server_url.render_as_string(hide_password=False),
        "NO_MKDOCS_2_WARNING": "1",
    }
    env.pop("PYTEST_ADDOPTS", None)
    tests = ["tests/test_site.py", f"tests/test_{MODULE}.py", f"tests/test_{DONE_MODULE}.py"]
    return subprocess.run(
        # -n 0 -v: one process, so each test's line reads "path::test PASSED".
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-n",
            "0",
            "-v",
            "--tb=short",
            *tests,
        ],
        cwd=ready,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def failures_about(output: str, slug: str, module: str) -> set[str]:
    """The failed or erroring tests whose report mentions the article.

    The clone holds whatever else the working tree holds, e.g. the article a contributor
    is writing; its own failures are reported by the main run, not here."""
    reports = re.split(
        r"^_{3,} (.+?) _{3,}$", output.split("short test summary info")[0], flags=re.M
    )
    return {
        name
        for name, report in zip(reports[1::2], reports[2::2], strict=True)
        if slug in name + report or module in name + report
    }


def messages(output: str) -> str:
    """pytest's report, each line without its `E   ` prefix, indentation and exception name."""
    lines = (re.sub(r"^E?\s+(?:AssertionError: )?", "", line) for line in output.splitlines())
    return "\n".join(lines)


def test_scaffold_creates_the_article_and_prints_what_the_page_shows(clone, scaffolded):
    result, mkdocs_yml_untouched = scaffolded
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip("\n") == render(snippet("new_article.txt"))
    # It prints the nav lines to add, and leaves mkdocs.yml to the contributor.
    assert mkdocs_yml_untouched
    for path in (
        f"docs/{SLUG}.ja.md",
        f"docs/{SLUG}.en.md",
        f"snippets/{MODULE}/example.py",
        f"tests/test_{MODULE}.py",
    ):
        assert (clone / path).is_file(), f"{path} was not created"


def test_scaffold_adds_a_mutation_placeholder_that_fails_until_written(clone, scaffolded):
    """scripts/mutation.py refuses the list while the new snippet's entry is the placeholder."""
    result, _ = scaffolded
    assert result.returncode == 0, result.stderr
    listed = subprocess.run(
        [sys.executable, "scripts/mutation.py", "--list"],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.returncode == 2, listed.stdout + listed.stderr
    assert f"{MODULE}/example.py" in listed.stderr
    assert "is the placeholder scripts/new_article.py added" in listed.stderr


def test_scaffold_refuses_bad_input_and_says_what_to_do(clone):
    bad_slug = new_article(clone, "Too_Many Connections", "--title-ja", "あ", "--title-en", "a")
    assert bad_slug.returncode == 2
    assert "use lowercase letters, digits and single hyphens, e.g. 'too-many-connections'" in (
        bad_slug.stderr
    )
    taken = new_article(clone, "mysql-server-has-gone-away", "--title-ja", "あ", "--title-en", "a")
    assert taken.returncode == 2
    assert "docs/mysql-server-has-gone-away.ja.md" in taken.stderr
    assert "choose another slug, or edit the existing article" in taken.stderr
    empty = new_article(clone, "some-error", "--title-ja", " ", "--title-en", "a")
    assert empty.returncode == 2
    assert "--title-ja is empty" in empty.stderr
    assert not list(clone.glob("**/*some[-_]error*"))


def test_right_after_the_scaffold_the_checks_fail_as_the_page_shows(first_run):
    assert first_run.returncode == 1, first_run.stdout
    # Only the unfinished text and the missing assertion: the page is in the nav, builds
    # (before its first commit too), and has the same sections and includes in both languages.
    assert failures_about(first_run.stdout, SLUG, MODULE) == {
        "test_no_unfinished_text_from_the_scaffold",
        "test_example_runs",
    }, first_run.stdout
    report = messages(first_run.stdout)
    for line in render(snippet("first_run.txt")).splitlines():
        assert line in report, f"{line!r} is not in the output:\n{first_run.stdout}"


def test_a_finished_article_passes(first_run):
    """Written, translated, in the nav, its snippet run by a test with a real assertion."""
    assert not failures_about(first_run.stdout, DONE, DONE_MODULE), first_run.stdout
    outcomes = dict(re.findall(r"^(tests/\S+::\S+) (PASSED|FAILED|ERROR)", first_run.stdout, re.M))
    own = {test: outcome for test, outcome in outcomes.items() if f"[{DONE}" in test}
    own[f"tests/test_{DONE_MODULE}.py::test_example_runs"] = outcomes.get(
        f"tests/test_{DONE_MODULE}.py::test_example_runs"
    )
    assert set(own.values()) == {"PASSED"}, own
    # The site was built with it (each page's checks run on the build, once).
    assert f"tests/test_site.py::test_site_builds_every_page_in_every_language[{DONE}]" in own


def checks_of(tree: Path, monkeypatch) -> types.ModuleType:
    """tests/test_site.py of `tree`, loaded in this process so that its checks read `tree`."""
    monkeypatch.chdir(tree)  # pymdownx.snippets finds snippets/ from the working directory

    def load(name: str, path: Path) -> types.ModuleType:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, name, module)
        spec.loader.exec_module(module)
        return module

    load("pages", tree / "tests" / "pages.py")  # where test_site takes its paths from
    return load("test_site_of_a_copy", tree / "tests" / "test_site.py")


def test_each_docs_check_says_how_to_fix_what_it_finds(ready, tmp_path, monkeypatch):
    broken = tmp_path / "broken"
    shutil.copytree(ready, broken, ignore=shutil.ignore_patterns(".git", "__pycache__"))
    docs, snippets = broken / "docs", broken / "snippets" / MODULE
    # A page without its translation, code typed into a page, a snippet shown nowhere,
    # an include of a section the file does not have, a page left out of the nav.
    (docs / f"{SLUG}.en.md").unlink()
    ja = docs / f"{SLUG}.ja.md"
    ja.write_text(
        ja.read_text(encoding="utf-8")
        + '\n```python\nprint("typed in")\n```\n\n```python\n--8<-- "'
        + f'{MODULE}/example.py:fix"\n```\n',
        encoding="utf-8",
    )
    (snippets / "orphan.py").write_text("print('shown nowhere')\n", encoding="utf-8")
    mkdocs_yml = broken / "mkdocs.yml"
    mkdocs_yml.write_text(
        re.sub(rf"^.*: {SLUG}\.md\n", "", mkdocs_yml.read_text(encoding="utf-8"), flags=re.M),
        encoding="utf-8",
    )

    site = checks_of(broken, monkeypatch)
    found = []
    for check, *args in (
        (site.test_every_page_has_every_language,),
        (site.test_every_code_block_is_a_snippet_include, ja),
        (site.test_every_snippet_is_shown_in_every_language,),
        (site.test_every_include_exists, ja),
        (site.test_every_page_is_in_the_nav,),
    ):
        with pytest.raises(AssertionError) as failed:
            check(*args)
        found.append(str(failed.value))
    report = "\n".join(found)

    for fix in (
        f"docs/{SLUG}.en.md is missing: translate docs/{SLUG}.ja.md "
        "(same sections, same snippet includes)",
        f"a ```python block with code typed into the page. Move the code into a file in "
        f'snippets/{MODULE}/ and put only its include in the block: --8<-- "{MODULE}/<file>"',
        f'snippets/{MODULE}/orphan.py is not on any ja page: include it with --8<-- "{MODULE}/'
        'orphan.py" or, if only tests need it, move it to tests/',
        f"snippets/{MODULE}/example.py has no section 'fix' (it has: example). Mark it in the "
        "file with a comment line --8<-- [start:fix] before and --8<-- [end:fix] after",
        f"docs/{SLUG}.*.md is not in the site's navigation: add the line\n"
        f"  - <Japanese title>: {SLUG}.md\n"
        "under nav: in mkdocs.yml (the file name without the language suffix), and",
    ):
        assert fix in report, f"{fix!r} is not in the output:\n{report}"
