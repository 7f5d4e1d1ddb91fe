"""Planning: one relationship's diff, its final-state rules and its approval rule (with its
risk tier), then the plan.

The planner only combines; each part is decided in its own module (diff, rules, dualcontrol),
so that the plan a reviewer reads is made of the same pieces apply and the checks use.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from reconcile.catalog import Catalog
from reconcile.diagnostics import Diagnostic
from reconcile.diff import LastApplied, diff_client
from reconcile.dualcontrol import admins_of, rule_for
from reconcile.expiry import in_force, label_expired
from reconcile.isochange import bank_notes
from reconcile.model import ClientSpec, ClientState
from reconcile.plan import Approval, ClientPlan, EligibleAdmin, Plan
from reconcile.resolve import ClientResolution, resolve_client
from reconcile.rules import final_state_rules
from reconcile.tiers import BASE_CHECKERS, classify


def plan_client(
    spec: ClientSpec,
    resolution: ClientResolution,
    state: ClientState,
    catalog: Catalog,
    last_applied: LastApplied,
    *,
    allow_mass_removal: bool = False,
    today: date | None = None,
) -> tuple[ClientPlan, list[Diagnostic]]:
    """The plan of one relationship at the bank's serial, and what its final state breaks;
    ``today`` is the day API keys are judged on for rotation and ``until`` days for expiry
    (``resolution`` is the whole declaration's; without expired entries it is made again)."""
    current = in_force(spec, today)
    if current.expired:
        resolution = resolve_client(current.spec, state.contracts, catalog)
    changes = diff_client(current.spec, resolution, state, catalog, last_applied, today)
    changes = label_expired(changes, current.expired)
    problems = final_state_rules(state, changes, allow_mass_removal=allow_mass_removal)
    eligible = tuple(EligibleAdmin(admin.user, admin.github) for admin in admins_of(state))
    types = {contract.id: contract.type for contract in state.contracts}
    tier = classify(changes, catalog.risk_tiers, types)
    checkers = tier.checkers if tier else BASE_CHECKERS
    approval = Approval(rule_for(checkers), eligible, checkers, tier)
    plan = ClientPlan(state.id, state.name, state.serial, changes, approval, bank_notes(state))
    return plan, problems


def assemble(
    client_plans: Sequence[ClientPlan],
    *,
    commit: str | None,
    inputs_digest: str,
    allow_mass_removal: bool,
    diagnostics: Sequence[Diagnostic],
) -> Plan:
    """The whole plan: relationships by id, the options it was made with, every diagnostic."""
    return Plan(
        clients=tuple(sorted(client_plans, key=lambda plan: plan.client)),
        commit=commit,
        inputs_digest=inputs_digest,
        options={"allow_mass_removal": allow_mass_removal},
        diagnostics=tuple(diagnostics),
    )
