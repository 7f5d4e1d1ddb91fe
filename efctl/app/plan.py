"""`efctl plan`: validated declarations and the bank's state now, turned into a plan document.

Everything decided lives in reconcile/ (resolve, diff, rules, planner); this module only
gathers: the declarations as validated, the bank's snapshot of each relationship (read once,
shared with validation), the commit, and the validated bytes the inputs digest is made of.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from efctl.app.bankview import BankView
from efctl.declarations.convert import normalise_client_id
from efctl.declarations.pipeline import LoadedClient, Validation
from efctl.errors import EfctlError, InvalidDeclarations
from reconcile.catalog import Catalog
from reconcile.diagnostics import Diagnostic, Severity
from reconcile.plan import Plan, canonical_json, sha256_of
from reconcile.planner import assemble, plan_client
from reconcile.resolve import resolve_client


class PlanRefused(InvalidDeclarations):
    """The plan breaks a final-state rule (lockout, mass removal); the diagnostics say which."""

    def __init__(self, validation: Validation):
        super().__init__(validation)
        self.message = "the plan breaks the final-state rules (listed above); nothing was planned"
        self.hint = None


def make_plan(
    validation: Validation,
    clients: Sequence[str],
    bank: BankView,
    catalog: Catalog,
    root: Path,
    *,
    allow_mass_removal: bool,
    today: date | None = None,
) -> Plan:
    """The plan of the selected relationships, stamped with its time, or PlanRefused."""
    if validation.errors:
        raise InvalidDeclarations(validation)
    selected = select(validation, clients)
    client_plans, problems = [], []
    for loaded in selected:
        state = bank.read_client(loaded.spec.id)
        resolution = loaded.resolution or resolve_client(loaded.spec, state.contracts, catalog)
        client_plan, broken = plan_client(
            loaded.spec,
            resolution,
            state,
            catalog,
            bank.last_applied_values(state.id),
            allow_mass_removal=allow_mass_removal,
            today=today,
        )
        client_plans.append(client_plan)
        problems += [loaded.document.place(_at_client_id(d)) for d in broken]
    chosen = {c.document.path for c in selected}
    diagnostics = [d for d in validation.diagnostics if d.file in chosen] + problems
    if any(d.severity is Severity.ERROR for d in problems):
        raise PlanRefused(replace(validation, diagnostics=tuple(diagnostics)))
    plan = assemble(
        client_plans,
        commit=source_commit(root),
        inputs_digest=declarations_digest(
            {digest_name(root, c): c.document.content for c in selected}
        ),
        allow_mass_removal=allow_mass_removal,
        diagnostics=diagnostics,
    )
    return replace(
        plan,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        as_of=None if today is None else today.isoformat(),
    )


def digest_name(root: Path, loaded: LoadedClient) -> str:
    """How the digest names a declaration: its path in the repository (as git names it, links
    not followed), or its absolute path when it lies outside."""
    path = Path(os.path.abspath(loaded.document.source or loaded.document.path))
    try:
        return path.relative_to(Path(os.path.abspath(root))).as_posix()
    except ValueError:
        return path.as_posix()


def declarations_digest(contents: Mapping[str, bytes]) -> str:
    """sha256 over each declaration's name and bytes.

    The same digest is recomputed from a commit's tree (efctl.app.github), which is how apply
    proves that the plan was made from exactly the declarations the reviewers approved.
    """
    entries = sorted((path, sha256_of(data)) for path, data in contents.items())
    return sha256_of(canonical_json(entries))


def source_commit(root: Path) -> str | None:
    """The checkout's HEAD (in a pull-request run: the reviewed head, which GITHUB_SHA is not),
    else GITHUB_SHA, else None (not a git repository)."""
    return rev_parse(root, "HEAD") or os.environ.get("GITHUB_SHA") or None


def rev_parse(root: Path, *args: str) -> str | None:
    """What ``git rev-parse ARGS`` prints in ROOT; None outside a git repository (or no git)."""
    try:
        found = subprocess.run(
            ["git", "-C", str(root), "rev-parse", *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (found.stdout.strip() or None) if found.returncode == 0 else None


def select(validation: Validation, clients: Sequence[str]) -> list[LoadedClient]:
    wanted = [normalise_client_id(c) for c in clients]
    unknown = [c for c in wanted if validation.client(c) is None]
    if unknown:
        declared = ", ".join(sorted(c.spec.id for c in validation.clients)) or "none"
        raise EfctlError(
            f"--client {', '.join(unknown)}: no such relationship is declared",
            hint=f"declared relationships: {declared}",
        )
    return [c for c in validation.clients if not wanted or c.spec.id in wanted]


def has_changes(plan: Plan) -> bool:
    return any(client.changes for client in plan.clients)


def _at_client_id(diagnostic: Diagnostic) -> Diagnostic:
    """Rule diagnostics concern the whole relationship: point at its id."""
    return diagnostic if diagnostic.pointer else replace(diagnostic, pointer=("client", "id"))
