"""The contributing page docs/contributing.{ja,en}.md: the new-article path, end to end.

Snippets: snippets/contributing/. Each test works in its own copy of this repository
(support.copy_of_repository), as a contributor works in a clone: it runs the scaffold
command the page shows, then the docs checks and the new article's tests there (against
the same database server as this run), and reads what they say.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pages import ROOT, fences, render
from runners import copy_of_repository, run_shell

PAGE = "contributing"
SLUG, MODULE = "too-many-connections", "too_many_connections"


def snippet(name: str) -> str:
    return f"{PAGE}/{name}"


@pytest.fixture
def clone(tmp_path) -> Path:
    return copy_of_repository(tmp_path / "clone")


def scaffold(clone: Path) -> subprocess.CompletedProcess[str]:
    """Run the page's scaffold command at the top of the clone."""
    if list((ROOT / "docs").glob(f"{SLUG}.*.md")):
        pytest.fail(
            f"The contributing page's example creates docs/{SLUG}.*.md, which the repository "
            f"now has. Give the example in snippets/contributing/new_article.sh a name no page "
            f"has, then update new_article.txt, first_run.txt and SLUG in this file.",
            pytrace=False,
        )
    return run_shell(snippet("new_article.sh"), clone)


def run_checks(clone: Path, server_url, *args: str) -> subprocess.CompletedProcess[str]:
    """The docs checks and the new article's tests, run in the clone as bash scripts/test.sh
    would (same interpreter and packages as this run, same database server)."""
    env = {
        **os.environ,
        "DATABASE_URL": server_url.render_as_string(hide_password=False),
        "NO_MKDOCS_2_WARNING": "1",
    }
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(
        # -n 0: one process, so the report lines read "path::test PASSED".
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0", "--tb=short", *args],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def failures_about_the_example(output: str) -> set[str]:
    """The failed or erroring tests whose report mentions the example article.

    The clone holds whatever else the working tree holds, e.g. the article a contributor
    is writing; its own failures are reported by the main run, not here."""
    reports = re.split(
        r"^_{3,} (.+?) _{3,}$", output.split("short test summary info")[0], flags=re.M
    )
    return {
        name
        for name, report in zip(reports[1::2], reports[2::2], strict=True)
        if SLUG in name + report or MODULE in name + report
    }


def messages(output: str) -> str:
    """pytest's report, each line without its `E   ` prefix, indentation and exception name."""
    lines = (re.sub(r"^E?\s+(?:AssertionError: )?", "", line) for line in output.splitlines())
    return "\n".join(lines)


def test_scaffold_creates_the_article_and_prints_what_the_page_shows(clone):
    result = scaffold(clone)

    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip("\n") == render(snippet("new_article.txt"))
    for path in (
        f"docs/{SLUG}.ja.md",
        f"docs/{SLUG}.en.md",
        f"snippets/{MODULE}/example.py",
        f"tests/test_{MODULE}.py",
    ):
        assert (clone / path).is_file(), f"{path} was not created"
    mkdocs_yml = (clone / "mkdocs.yml").read_text(encoding="utf-8")
    assert f'  - "Too many connections: 接続数の上限に達する": {SLUG}.md\n' in mkdocs_yml
    assert (
        '"Too many connections: 接続数の上限に達する": '
        '"Too many connections: the server\'s connection limit is reached"'
    ) in mkdocs_yml


def test_scaffold_refuses_bad_input_and_says_what_to_do(clone):
    def new_article(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "scripts/new_article.py", *args],
            cwd=clone,
            capture_output=True,
            text=True,
        )

    bad_slug = new_article("Too_Many Connections", "--title-ja", "あ", "--title-en", "a")
    assert bad_slug.returncode == 2
    assert "use lowercase letters, digits and single hyphens, e.g. 'too-many-connections'" in (
        bad_slug.stderr
    )
    taken = new_article("mysql-server-has-gone-away", "--title-ja", "あ", "--title-en", "a")
    assert taken.returncode == 2
    assert "docs/mysql-server-has-gone-away.ja.md" in taken.stderr
    assert "choose another slug, or edit the existing article" in taken.stderr
    empty = new_article("some-error", "--title-ja", " ", "--title-en", "a")
    assert empty.returncode == 2
    assert "--title-ja is empty" in empty.stderr
    assert not (clone / "docs" / "some-error.ja.md").exists()


def test_right_after_the_scaffold_the_checks_fail_as_the_page_shows(clone, server_url):
    assert scaffold(clone).returncode == 0
    result = run_checks(clone, server_url, "tests/test_site.py", f"tests/test_{MODULE}.py")

    assert result.returncode == 1, result.stdout
    # Only the unfinished text and the missing assertion: the page is in the nav, builds
    # (before its first commit too), and has the same sections and includes in both languages.
    assert failures_about_the_example(result.stdout) == {
        "test_no_unfinished_text_from_the_scaffold",
        "test_example_runs",
    }, result.stdout
    report = messages(result.stdout)
    for line in render(snippet("first_run.txt")).splitlines():
        assert line in report, f"{line!r} is not in the output:\n{result.stdout}"


def test_each_docs_check_says_how_to_fix_what_it_finds(clone, server_url):
    assert scaffold(clone).returncode == 0
    docs, snippets = clone / "docs", clone / "snippets" / MODULE
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
    mkdocs_yml = clone / "mkdocs.yml"
    mkdocs_yml.write_text(
        mkdocs_yml.read_text(encoding="utf-8").replace(f": {SLUG}.md\n", ": index.md\n"),
        encoding="utf-8",
    )

    result = run_checks(clone, server_url, "tests/test_site.py")
    report = messages(result.stdout)

    assert result.returncode == 1
    for fix in (
        f"docs/{SLUG}.en.md is missing: translate docs/{SLUG}.ja.md "
        "(same sections, same snippet includes)",
        f"a ```python block with code typed into the page. Move the code into a file in "
        f'snippets/{MODULE}/ and put only its include in the block: --8<-- "{MODULE}/<file>"',
        f'snippets/{MODULE}/orphan.py is not on any ja page: include it with --8<-- "{MODULE}/'
        'orphan.py" or, if only tests need it, move it to tests/',
        f"snippets/{MODULE}/example.py has no section 'fix' (it has: example). Mark it in the "
        "file with a comment line --8<-- [start:fix] before and --8<-- [end:fix] after",
        f"docs/{SLUG}.*.md is not in the site's navigation: add the line",
        f"- <Japanese title>: {SLUG}.md",
        "under nav: in mkdocs.yml (the file name without the language suffix), and",
    ):
        assert fix in report, f"{fix!r} is not in the output:\n{result.stdout}"


def test_a_finished_article_passes(clone, server_url):
    """Written, translated, the snippet shown in both languages, a real assertion."""
    assert scaffold(clone).returncode == 0
    todo = re.compile(r"^.*TODO\(new-article\).*\n", re.M)
    for lang, text in (("ja", "接続数の上限を確認します。"), ("en", "Check the limit.")):
        page = clone / "docs" / f"{SLUG}.{lang}.md"
        page.write_text(todo.sub(f"{text}\n", page.read_text(encoding="utf-8")), encoding="utf-8")
    example = clone / "snippets" / MODULE / "example.py"
    example.write_text(todo.sub("", example.read_text(encoding="utf-8")), encoding="utf-8")
    test = clone / "tests" / f"test_{MODULE}.py"
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

    result = run_checks(
        clone,
        server_url,
        "tests/test_site.py",
        f"tests/test_{MODULE}.py",
        "tests/test_code_blocks.py",
        "-k",
        f"not test_code_block_runs or {SLUG}",
        "-v",
    )

    assert not failures_about_the_example(result.stdout), result.stdout
    for ran in (
        f"tests/test_{MODULE}.py::test_example_runs PASSED",
        f"test_code_block_runs[{SLUG}:{MODULE}/example.py:example] PASSED",
        f"tests/test_site.py::test_languages_have_the_same_snippets_and_sections[{SLUG}] PASSED",
        f"tests/test_site.py::test_every_snippet_on_a_page_is_used_by_its_test_module[{SLUG}] "
        "PASSED",
        f"tests/test_site.py::test_edit_button_opens_the_page_in_its_own_language[{SLUG}] PASSED",
    ):
        assert ran in result.stdout, result.stdout


@pytest.mark.parametrize("name", ["CONTRIBUTING.md", "CONTRIBUTING.ja.md"])
def test_contributing_files_show_the_same_command_and_messages_as_the_page(name):
    """CONTRIBUTING*.md (read on GitHub, not on the site) repeat two blocks of the page:
    they must not drift from the snippets that the tests above run."""
    blocks = fences(ROOT / name)
    command = [
        f.body.rstrip("\n") for f in blocks if f.language == "sh" and "new_article" in f.body
    ]
    assert command == [render(snippet("new_article.sh"))], (
        f"{name}: the scaffold command differs from snippets/contributing/new_article.sh"
    )
    shown = render(snippet("first_run.txt")).splitlines()
    (excerpt,) = [f.body for f in blocks if "Write these" in f.body]
    for line in excerpt.splitlines():
        assert line == "..." or line in shown, (
            f"{name}: {line!r} is not in snippets/contributing/first_run.txt"
        )
