"""Every runnable code block on every page runs, exactly as the built page shows it.

The pages are expanded with pymdownx.snippets and their blocks extracted with
pytest-codeblocks. Python blocks run as ``python file.py`` with DATABASE_URL set to
the test database, SQL blocks run on it, shell blocks run with bash. Output blocks
(``text``) are compared with real output by the page's own test module.
Both languages show the same blocks (test_site checks that), so the default
language's pages are run.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from pages import default_language, fences, pages, rendered_fences
from support import copy_of_repository, run_script, run_shell, with_driver

# Blocks that are meant to fail, and the exception their last line names.
EXPECTED_ERRORS = {
    "mysql_server_has_gone_away/reproduce.py": "sqlalchemy.exc.OperationalError",
}
# Snippets for another driver than DATABASE_URL's mysqlclient run with this one.
DRIVER = {
    "drivers/async_pre_ping.py": "aiomysql",
    "drivers/async_recycle.py": "asyncmy",
    "causes/asyncmy_timeouts.py": "asyncmy",
    "causes/aiomysql_timeout.py": "aiomysql",
}
# SQL that changes a GLOBAL setting runs only on a server the suite started itself,
# which gets the setting back afterwards.
OWNED_SERVER_ONLY = {"causes/max_allowed_packet.sql:raise": "max_allowed_packet"}
# Commands a contributor types at the top of a clone (the contributing page): they run in
# a copy of this repository.
IN_A_CLONE = {
    "contributing/new_article.sh",
}
RUNNABLE = {"python", "sql", "sh", "bash"}
NOT_RUNNABLE = {"text", "ini"}  # output, and server configuration (tests/test_causes.py)


def _blocks():
    seen = set()
    for name, by_lang in sorted(pages().items()):
        path = by_lang[default_language()]
        for written, rendered in zip(fences(path), rendered_fences(path), strict=True):
            targets = tuple(written.includes)
            if targets in seen:
                continue
            seen.add(targets)
            yield pytest.param(rendered, targets, id=f"{name}:{','.join(targets)}")


BLOCKS = list(_blocks())


def test_every_block_has_a_known_language():
    unknown = [
        f"{p.values[0].where}: ```{p.values[0].language}"
        for p in BLOCKS
        if p.values[0].language not in RUNNABLE | NOT_RUNNABLE
    ]
    assert not unknown, f"use one of {sorted(RUNNABLE | NOT_RUNNABLE)}: {unknown}"


@pytest.mark.parametrize(
    ("fence", "targets"), [p for p in BLOCKS if p.values[0].language in RUNNABLE]
)
def test_code_block_runs(fence, targets, request, tmp_path):
    (target,) = targets  # runnable blocks show one snippet each
    if target in OWNED_SERVER_ONLY:
        database_url = request.getfixturevalue("owned_server").url
    else:
        database_url = request.getfixturevalue("database_url")
    if target in DRIVER:
        database_url = with_driver(database_url, DRIVER[target])
    if fence.language == "python":
        result = run_script(target, database_url, tmp_path)
        expected_error = EXPECTED_ERRORS.get(target)
        if expected_error:
            assert result.returncode == 1
            lines = result.stderr.strip().splitlines()
            assert any(line.startswith(expected_error + ":") for line in lines), result.stderr
        else:
            assert result.returncode == 0, result.stderr
    elif fence.language in {"sh", "bash"}:
        cwd = copy_of_repository(tmp_path / "clone") if target in IN_A_CLONE else tmp_path
        result = run_shell(target, cwd)
        assert result.returncode == 0, result.stderr
    elif fence.language == "sql":
        engine = create_engine(database_url)
        variable = OWNED_SERVER_ONLY.get(target)
        with engine.connect() as conn:
            before = variable and conn.exec_driver_sql(f"SELECT @@GLOBAL.{variable}").scalar()
            try:
                for statement in filter(str.strip, fence.body.split(";")):
                    conn.exec_driver_sql(statement).close()
            finally:
                if variable:
                    conn.exec_driver_sql(f"SET GLOBAL {variable} = {before}")
        engine.dispose()
