"""Resource bounds, measured by counting operations (never by a clock), and the templates'
environments.

A copy chain (each user copies the one before) resolves in time linear in its length: the
Python lines run inside ``reconcile`` while resolving 250, 500 and 1,000 users are counted,
and doubling the chain may at most about double the count.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import reconcile.resolve
from efctl.catalog import load_catalog
from reconcile.model import ClientSpec, Contract, Grants, SingleGrant, UserSpec
from reconcile.resolve import resolve_client

ENGINE = str(Path(reconcile.resolve.__file__).parent)
EFCTL = Path(__file__).resolve().parents[2] / "efctl"
CONTRACTS = (
    Contract("CH9300762011623852957", "account", "Betriebskonto"),
    Contract("DP-1", "deposit", "Sparkonto"),  # sign_individual falls back to sign_collective
    Contract("BS-1", "billing_solutions", "Billing Solutions"),
)


def _chain(length: int) -> ClientSpec:
    first = UserSpec("u0", "User 0", grants=Grants(all={"*": "sign_individual"}))
    users = [first] + [
        UserSpec(
            f"u{n}",
            f"User {n}",
            grants=Grants(copy_from=f"u{n - 1}", single=(SingleGrant("BS-1", "read"),) * (n % 2)),
        )
        for n in range(1, length)
    ]
    return ClientSpec("10000001", "Testfirma AG", "de", users=tuple(reversed(users)))


def _lines_run(length: int) -> int:
    spec, catalog = _chain(length), load_catalog()
    count = 0

    def tracer(frame, event, _):
        nonlocal count
        if frame.f_code.co_filename.startswith(ENGINE):
            count += event == "line"
            return tracer
        return None

    sys.settrace(tracer)
    try:
        resolution = resolve_client(spec, CONTRACTS, catalog)
    finally:
        sys.settrace(None)
    last = resolution.users[f"u{length - 1}"]
    assert last.rights["DP-1"].profile == "sign_collective"  # copied through the whole chain
    return count


def test_a_copy_chain_of_1000_users_resolves_in_linear_time():
    counts = {length: _lines_run(length) for length in (250, 500, 1000)}
    assert counts[500] <= 2.1 * counts[250], counts
    assert counts[1000] <= 2.1 * counts[500], counts


def _environments() -> list[tuple[str, ast.Call]]:
    found = []
    for path in sorted(EFCTL.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("Environment"):
                found.append((str(path.relative_to(EFCTL)), node))
    return found


def test_every_template_environment_is_strict_and_escapes_html_and_loads_only_efctl_own():
    """StrictUndefined everywhere; autoescape where the output is HTML (markdown renders it);
    templates only from efctl's package, so no repository's template is ever rendered (a
    SandboxedEnvironment would be needed if one were)."""
    environments = _environments()
    assert sorted(where for where, _ in environments) == [
        "app/notices.py",
        "render/plan_markdown.py",
    ]
    for where, call in environments:
        options = {k.arg: ast.unparse(k.value) for k in call.keywords}
        assert options["undefined"] == "jinja2.StrictUndefined", where
        html = where == "render/plan_markdown.py"
        assert options["autoescape"] == ("True" if html else "False"), where
        assert options["loader"].startswith("jinja2.PackageLoader('efctl'"), (where, options)
