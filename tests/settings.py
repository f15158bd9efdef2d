"""What a snippet recommends: the options it passes to create_engine, read from the text
the page shows, so that a test can hold them to the page's rule.

The scenario tests run the same snippets with their timeouts shortened (seconds instead
of minutes); the rule tests check the values a reader copies.
"""

from __future__ import annotations

import ast

from pages import render

ENGINE_FACTORIES = {"create_engine", "create_async_engine"}


def engine_options(target: str) -> dict:
    """The keyword arguments of the snippet's one create_engine()/create_async_engine()
    call, as Python values (connect_args as a dict). The values must be literals: a
    reader copies them as they are."""
    calls = [
        node
        for node in ast.walk(ast.parse(render(target)))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ENGINE_FACTORIES
    ]
    assert len(calls) == 1, f"{target}: expected one create_engine() call, found {len(calls)}"
    options = {}
    for keyword in calls[0].keywords:
        try:
            options[keyword.arg] = ast.literal_eval(keyword.value)
        except ValueError:
            raise AssertionError(
                f"{target}: {keyword.arg}= is not a literal value: {ast.unparse(keyword.value)}"
            ) from None
    return options


def default_argument(target: str, function: str, name: str):
    """The default value of parameter `name` of `function` defined in the snippet."""
    for node in ast.walk(ast.parse(render(target))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == function:
            args = node.args
            positional = [a.arg for a in args.posonlyargs + args.args]
            # Defaults belong to the last positional parameters; keyword-only ones pair up.
            with_default = positional[len(positional) - len(args.defaults) :]
            defaults = dict(zip(with_default, args.defaults, strict=True))
            defaults |= {
                a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d
            }
            assert name in defaults, f"{target}: {function}() has no default for {name}"
            return ast.literal_eval(defaults[name])
    raise AssertionError(f"{target} defines no function {function}()")


# --- The pages' rules -------------------------------------------------------------------

# Idle limits the pages name: MySQL's and MariaDB's default wait_timeout (the article)
# and AWS's Network Load Balancer's TCP idle timeout (the causes page).
WAIT_TIMEOUT_DEFAULT = 28800
NLB_IDLE_TIMEOUT = 350
# The causes page's table of vendors' documented defaults, in seconds (each row links its
# source): Azure Load Balancer 4 minutes, RDS Proxy's IdleClientTimeout 30 minutes,
# ProxySQL's mysql-wait_timeout 8 hours, kube-proxy's conntrack established timeout 24 h.
AZURE_LB_IDLE_TIMEOUT = 4 * 60
RDS_PROXY_IDLE_CLIENT_TIMEOUT = 1800
PROXYSQL_WAIT_TIMEOUT = 8 * 3600
KUBE_PROXY_CONNTRACK_ESTABLISHED = 86400
# The pages: keep pool_recycle at least a tenth below the shortest idle limit on the way.
RECYCLE_MARGIN = 0.1


def assert_recycles_before(target: str, limit: int) -> None:
    """The snippet's pool_recycle leaves the page's margin below `limit`."""
    recycle = engine_options(target).get("pool_recycle")
    assert recycle, f"{target} sets no pool_recycle"
    highest = limit * (1 - RECYCLE_MARGIN)
    assert 0 < recycle <= highest, (
        f"{target}: pool_recycle={recycle} must be at least {RECYCLE_MARGIN:.0%} below the "
        f"idle limit of {limit} s the page names (at most {highest:g})"
    )


def highest_recycle_below(limit: int) -> int:
    """The largest whole number of seconds the page's rule allows below `limit`."""
    return int(limit * (1 - RECYCLE_MARGIN))


def recycles_too_late(target: str, limit: int) -> bool:
    """The snippet's pool_recycle breaks the page's rule against `limit`."""
    return engine_options(target).get("pool_recycle", 0) > limit * (1 - RECYCLE_MARGIN)
