"""`efctl plan`: validated declarations and the bank's state now, turned into a plan document.

Everything decided lives in reconcile/ (resolve, diff, rules, planner); this module only
gathers: the declarations as validated, the bank's snapshot of each relationship (read once,
shared with validation), the commit, and the validated bytes the inputs digest is made of.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from efctl.app.bankview import BankView
from efctl.app.shards import Shard
from efctl.declarations.convert import normalise_client_id
from efctl.declarations.pipeline import LoadedClient, Validation
from efctl.errors import EfctlError, InvalidDeclarations
from reconcile.catalog import Catalog
from reconcile.diagnostics import Diagnostic, Severity
from reconcile.plan import Plan, canonical_json, sha256_of
from reconcile.planner import assemble, plan_client
from reconcile.resolve import resolve_client

if TYPE_CHECKING:  # changed.py uses this module's git helper
    from efctl.app.changed import Changed


class PlanRefused(InvalidDeclarations):
    """The plan breaks a final-state rule (lockout, mass removal); the diagnostics say which."""

    def __init__(self, validation: Validation):
        super().__init__(validation)
        self.message = "the plan breaks the final-state rules (listed above); nothing was planned"
        self.hint = None


@dataclass(frozen=True)
class Selection:
    """Which relationships a plan covers besides ``--client``: those whose declarations changed
    since a git revision (``--changed-since``), and a shard's share of them (``--shard``)."""

    changed: Changed | None = None
    shard: Shard | None = None
    # apply's fresh plan: exactly the reviewed plan's relationships, also when it has none
    reviewed: frozenset[str] | None = None

    def narrow(self, selected: list[LoadedClient]) -> list[LoadedClient]:
        if self.reviewed is not None:
            return [c for c in selected if c.spec.id in self.reviewed]
        if self.changed is None or self.changed.everything:
            return selected
        return [c for c in selected if c.document.source in self.changed]

    def share(self, selected: list[LoadedClient]) -> list[LoadedClient]:
        if self.shard is None:
            return selected
        return [c for c in selected if self.shard.holds(c.spec.id)]

    def bank_files(self) -> Changed | None:
        """The files validation checks against the bank: only the changed ones, if only they
        are planned (the others are checked offline: their errors still stop the plan)."""
        return None if self.changed is None or self.changed.everything else self.changed

    def options(self) -> dict[str, Any]:
        """How the plan records the selection, so that every view can say it is partial."""
        recorded: dict[str, Any] = {}
        if self.changed is not None:
            recorded["changed_since"] = self.changed.option()
        if self.shard is not None:
            recorded["shard"] = self.shard.option()
        return recorded


WHOLE = Selection()  # every relationship --client selects


def make_plan(
    validation: Validation,
    clients: Sequence[str],
    bank: BankView,
    catalog: Catalog,
    root: Path,
    *,
    allow_mass_removal: bool,
    today: date | None = None,
    selection: Selection = WHOLE,
) -> Plan:
    """The plan of the selected relationships, stamped with its time, or PlanRefused.

    The inputs digest covers the relationships selected by ``clients`` and
    ``selection.changed``, before ``selection.shard`` takes its share: so the shard plans of
    one run merge into the plan the whole selection gives (efctl.app.shards).
    """
    if validation.errors:
        raise InvalidDeclarations(validation)
    selected = selection.narrow(select(validation, clients))
    planned = selection.share(selected)
    client_plans, problems = [], []
    for loaded in planned:
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
    chosen = {c.document.path for c in planned}
    diagnostics = sorted(
        [d for d in validation.diagnostics if d.file in chosen] + problems,
        key=lambda d: d.sort_key,
    )
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
        options={**plan.options, **selection.options()},
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


def _at_client_id(diagnostic: Diagnostic) -> Diagnostic:
    """Rule diagnostics concern the whole relationship: point at its id."""
    return diagnostic if diagnostic.pointer else replace(diagnostic, pointer=("client", "id"))
