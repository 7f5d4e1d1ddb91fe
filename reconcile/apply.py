"""Applying a reviewed plan, one relationship at a time, each as one order or not at all.

For each relationship the checks run in this order, and the first that fails decides:
already applied (a second apply never runs twice), stale (the bank's serial moved, or the
declarations now give other changes), dual control (the four-eyes verdict on the evidence),
then the order itself, which the bank executes atomically after its own four-eyes check.
A concurrent apply of the same plan that commits between these checks and the order makes the
bank refuse the order as stale; that relationship is then "applied (by another run)", a success.
A relationship that fails never stops the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from reconcile.backend import Backend, BackendError, Order, OrderStatus, StaleOrder
from reconcile.dualcontrol import Evidence, admins_of, judge
from reconcile.plan import Action, Change, ClientPlan, Plan, Resource

ELECTRONIC = (Resource.USER, Resource.AUTHORIZATION, Resource.SIGNING_KEY, Resource.DELIVERY)


class Outcome(StrEnum):
    APPLIED = "applied"
    APPLIED_ELSEWHERE = "applied (by another run)"  # a concurrent apply of this plan came first
    ALREADY_APPLIED = "already applied"
    NO_CHANGES = "no changes"
    MANUAL_ONLY = "manual only"  # nothing electronic; the paper steps are listed
    NEEDS_APPROVAL = "needs approval"  # the evidence does not satisfy dual control
    PENDING_AT_BANK = "pending at the bank"  # the bank's own four-eyes check wants more
    STALE = "stale"
    FAILED = "failed"


SUCCESS = (
    Outcome.APPLIED,
    Outcome.APPLIED_ELSEWHERE,
    Outcome.ALREADY_APPLIED,
    Outcome.NO_CHANGES,
    Outcome.MANUAL_ONLY,
)


@dataclass(frozen=True)
class ClientResult:
    client: str
    outcome: Outcome
    detail: str
    order_id: str | None = None
    manual: tuple[Change, ...] = ()  # changes left for paper or the client advisor
    eligible: tuple[str, ...] = ()  # who could still approve, when approval is missing

    @property
    def ok(self) -> bool:
        return self.outcome in SUCCESS


def electronic_changes(client_plan: ClientPlan) -> tuple[tuple[Change, ...], tuple[Change, ...]]:
    """(what an order can carry, what needs paper or the advisor or a key request)."""
    orderable, other = [], []
    for change in client_plan.changes:
        electronic = change.action is not Action.MANUAL and change.resource in ELECTRONIC
        (orderable if electronic else other).append(change)
    return tuple(orderable), tuple(other)


def apply_client(
    plan: Plan,
    client_plan: ClientPlan,
    fresh: ClientPlan | None,
    evidence: Evidence,
    backend: Backend,
) -> ClientResult:
    """Apply one relationship of a reviewed plan; ``fresh`` is the same relationship planned now."""
    client, serial = client_plan.client, client_plan.serial
    orderable, manual = electronic_changes(client_plan)
    if not client_plan.changes:
        return ClientResult(client, Outcome.NO_CHANGES, "nothing to change")
    done = backend.applied_plan(client, plan.plan_id)
    if done:
        return ClientResult(
            client, Outcome.ALREADY_APPLIED, f"order {done} executed this plan", done, manual
        )
    stale = _staleness(client_plan, fresh)
    if stale:
        return ClientResult(client, Outcome.STALE, stale)

    state = backend.read_client(client)
    verdict = judge(evidence, admins_of(state))
    if not verdict.satisfied:
        return ClientResult(
            client,
            Outcome.NEEDS_APPROVAL,
            f"{verdict.missing} ({verdict.reason})",
            eligible=verdict.eligible,
        )
    if not orderable:
        return ClientResult(
            client,
            Outcome.MANUAL_ONLY,
            "no electronic change; see the manual steps",
            manual=manual,
        )
    order = Order(
        client=client,
        base_serial=serial,
        plan_id=plan.plan_id,
        commit=plan.commit,
        maker=evidence.author,
        checkers=tuple(a for a in evidence.approvers if a != evidence.author),
        changes=orderable,
    )
    try:
        outcome = backend.submit_order(order)
    except StaleOrder as exc:
        # What moved the bank since the check above may be this very plan, applied by a
        # concurrent run: then it is applied, which is what was asked.
        done = backend.applied_plan(client, plan.plan_id)
        if done:
            detail = f"order {done} executed this plan while this run was checking it"
            return ClientResult(client, Outcome.APPLIED_ELSEWHERE, detail, done, manual)
        return ClientResult(client, Outcome.STALE, str(exc))
    except BackendError as exc:
        return ClientResult(client, Outcome.FAILED, str(exc))
    if outcome.status is OrderStatus.PENDING:
        return ClientResult(
            client,
            Outcome.PENDING_AT_BANK,
            f"the bank keeps order {outcome.order_id} pending: {outcome.missing}",
            outcome.order_id,
            manual,
        )
    return ClientResult(
        client,
        Outcome.APPLIED,
        f"order {outcome.order_id} executed, serial {serial} -> {outcome.serial}",
        outcome.order_id,
        manual,
    )


def _staleness(saved: ClientPlan, fresh: ClientPlan | None) -> str | None:
    """Why the reviewed plan no longer holds for this relationship, or None."""
    if fresh is None:
        return "the relationship is no longer declared"
    if fresh.serial != saved.serial:
        return (
            f"the bank moved from serial {saved.serial} (planned) to serial "
            f"{fresh.serial} (now): someone changed it since the plan was made"
        )
    if fresh.changes != saved.changes:
        # deepdiff earns its cost here: it names what differs inside nested change lists, in
        # their JSON form, the form a reviewer read. (Imported here: it is slow to load and
        # only a stale plan needs it.)
        from deepdiff import DeepDiff

        moved = DeepDiff([c.to_json() for c in saved.changes], [c.to_json() for c in fresh.changes])
        kinds = ", ".join(f"{len(paths)} {kind.replace('_', ' ')}" for kind, paths in moved.items())
        first = next(iter(next(iter(moved.values()))))
        return (
            "planning now gives other changes than the reviewed plan "
            f"({kinds}; first at {first}): the declarations or the catalog changed"
        )
    return None
