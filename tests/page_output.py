"""Comparing what a snippet printed with the output block a page shows."""

from __future__ import annotations

import re
from collections.abc import Sequence


def output_pattern(shown: str) -> re.Pattern[str]:
    """A regex for output shown on a page, where a line ``  ...`` stands for any lines."""
    parts = []
    for line in shown.splitlines():
        if line.strip() == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(re.escape(line) + r"\n")
    return re.compile("".join(parts))


def without_object_addresses(text: str) -> str:
    """``<... at 0x7f...>`` differs from run to run."""
    return re.sub(r" at 0x[0-9a-f]+>", " at 0x...>", text)


def mysql_table(
    columns: Sequence[str], rows: Sequence[Sequence], nullable: Sequence[str] = ()
) -> str:
    """Format a result the way the ``mysql``/``mariadb`` command-line client prints it.

    The client makes a column that may hold NULL at least 4 wide (``NULL``).
    """
    cells = [[("NULL" if v is None else str(v)) for v in row] for row in rows]
    widths = [
        max([len(str(c)), 4 if c in nullable else 0] + [len(r[i]) for r in cells])
        for i, c in enumerate(columns)
    ]
    numeric = [all(isinstance(row[i], int) for row in rows) and rows for i in range(len(columns))]
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def line(values, header=False):
        out = []
        for i, v in enumerate(values):
            out.append(v.rjust(widths[i]) if numeric[i] and not header else v.ljust(widths[i]))
        return "| " + " | ".join(out) + " |"

    lines = [rule, line(list(columns), header=True), rule]
    lines += [line(r) for r in cells]
    if cells:
        lines.append(rule)
    return "\n".join(lines)
