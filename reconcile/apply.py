"""Applying a reviewed plan, one relationship at a time, each as one order or not at all.

For each relationship the checks run in this order, and the first that fails decides:
already applied (a second apply never runs twice), stale (the bank's serial moved, or the
declarations now give other changes, or the catalog another risk tier), dual control (the
four-eyes verdict on the evidence, with the checkers the relationship's risk tier adds),
then the order itself, which the bank executes atomically after its own four-eyes check.
A concurrent apply of the same plan that commits between these checks and the order makes the
bank refuse the order as stale; that relationship is then "applied (by another run)", a success.
A relationship that fails never stops the others. The caller holds each relationship's lock
(Backend.hold) around apply_client, so that two applies of it do not interleave.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from reconcile.backend import Backend, BackendError, IssuedKey, Order, OrderStatus, StaleOrder
from reconcile.dualcontrol import Evidence, admins_of, judge
from reconcile.model import AdminRight, ClientState
from reconcile.plan import Action, Address, Change, ClientPlan, Plan, Resource

KeySink = Callable[[IssuedKey], None]
"""Hands a new key's secret to where it is kept (a file, a vault); raises SinkError if not."""


class SinkError(Exception):
    """The secret did not reach the sink; the new key is discarded at the bank."""


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
    LOCKED = "locked"  # another apply held the relationship for the whole lock timeout
    FAILED = "failed"
    REFUSED = "refused"  # nothing applied: the plan's author may not request API keys there


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
    keys: tuple[KeyResult, ...] = ()  # the API key requests made, in plan order

    @property
    def ok(self) -> bool:
        return self.outcome in SUCCESS


@dataclass(frozen=True)
class KeyResult:
    """One API key request: what was done, the new key's public facts, or why it failed."""

    name: str
    action: Action
    ok: bool
    detail: str
    fingerprint: str | None = None  # of the new key
    expires: str | None = None


def electronic_changes(client_plan: ClientPlan) -> tuple[tuple[Change, ...], tuple[Change, ...]]:
    """(what an order can carry, what needs paper or the advisor or a key request)."""
    orderable, other = [], []
    for change in client_plan.changes:
        electronic = change.action is not Action.MANUAL and change.resource in ELECTRONIC
        (orderable if electronic else other).append(change)
    return tuple(orderable), tuple(other)


def key_changes(client_plan: ClientPlan) -> tuple[Change, ...]:
    return tuple(c for c in client_plan.changes if c.resource is Resource.API_KEY)


def issues_keys(plan: Plan) -> bool:
    """Whether applying the plan issues a key, whose secret then needs a sink."""
    return any(
        c.action in (Action.CREATE, Action.REPLACE)
        for client in plan.clients
        for c in key_changes(client)
    )


def request_keys(
    client: str, changes: tuple[Change, ...], maker: str, backend: Backend, sink: KeySink | None
) -> tuple[KeyResult, ...]:
    """The key requests of one relationship, one by one: a new key is issued inactive, its
    secret handed to the sink, and only then activated (revoking the key it replaces). A sink
    that fails leaves no new key behind; a process that dies before activation leaves an
    inactive key, which the next plan replaces."""
    results = []
    for change in changes:
        name = Address.parse(change.address).key
        try:
            if change.action is Action.DELETE:
                backend.revoke_api_keys(client, name, maker)
                results.append(KeyResult(name, change.action, True, "revoked"))
                continue
            if sink is None:
                raise SinkError("no secret sink was given")
            issued = backend.issue_api_key(client, name, change.after["user"], maker)
            try:
                sink(issued)
            except SinkError:
                backend.discard_api_key(client, issued.fingerprint)
                raise
            before = change.before or {}
            active = () if not before or before.get("state") else (before["fingerprint"],)
            try:
                backend.activate_api_key(client, issued.fingerprint, active)
            except BackendError:
                backend.discard_api_key(client, issued.fingerprint)
                raise
        except (BackendError, SinkError) as exc:
            results.append(KeyResult(name, change.action, False, str(exc)))
            continue
        done = (
            "issued" if change.action is Action.CREATE else "rotated: new key active, old revoked"
        )
        results.append(
            KeyResult(
                name, change.action, True, done, issued.fingerprint, issued.expires.isoformat()
            )
        )
    return tuple(results)


def _maker_refusal(state: ClientState | None, maker: str) -> str | None:
    """Why the plan's author may not request this relationship's API keys (the bank's rule:
    only admins request keys), or None."""
    admin = next((u.admin for u in state.users if u.id == maker), None) if state else None
    if admin is None:
        return (
            f"API keys are requested by an admin of the relationship, and {maker}, who made "
            "the plan, is no user there; nothing was applied"
        )
    if admin is AdminRight.NONE:
        return (
            f"API keys are requested by an admin of the relationship, and {maker}, who made "
            "the plan, holds no Admin right there; nothing was applied"
        )
    return None


def apply_client(
    plan: Plan,
    client_plan: ClientPlan,
    fresh: ClientPlan | None,
    evidence: Evidence,
    backend: Backend,
    sink: KeySink | None = None,
) -> ClientResult:
    """Apply one relationship of a reviewed plan; ``fresh`` is the same relationship planned now.

    Its API key requests go to the bank after its order has executed (a key's user may be one
    the order creates), under the same dual-control verdict, each request on its own."""
    client, serial = client_plan.client, client_plan.serial
    orderable, manual = electronic_changes(client_plan)
    keys = key_changes(client_plan)
    manual = tuple(c for c in manual if c.resource is not Resource.API_KEY)
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
    users = tuple(user.id for user in state.users)
    verdict = judge(evidence, admins_of(state), client_plan.approval.tier, users)
    if not verdict.satisfied:
        return ClientResult(
            client,
            Outcome.NEEDS_APPROVAL,
            f"{verdict.missing} ({verdict.reason})",
            eligible=verdict.eligible,
        )
    refusal = _maker_refusal(state, evidence.author) if keys else None
    if refusal:
        return ClientResult(client, Outcome.REFUSED, refusal)
    if not orderable and not keys:
        return ClientResult(
            client,
            Outcome.MANUAL_ONLY,
            "no electronic change; see the manual steps",
            manual=manual,
        )
    if not orderable:
        return _with_keys(
            ClientResult(client, Outcome.APPLIED, "no order needed", None, manual),
            request_keys(client, keys, evidence.author, backend, sink),
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
        waiting = f"; its {len(keys)} API key request(s) wait for it" if keys else ""
        return ClientResult(
            client,
            Outcome.PENDING_AT_BANK,
            f"the bank keeps order {outcome.order_id} pending: {outcome.missing}{waiting}",
            outcome.order_id,
            manual,
        )
    applied = ClientResult(
        client,
        Outcome.APPLIED,
        f"order {outcome.order_id} executed, serial {serial} -> {outcome.serial}",
        outcome.order_id,
        manual,
    )
    return _with_keys(applied, request_keys(client, keys, evidence.author, backend, sink))


def _with_keys(result: ClientResult, keys: tuple[KeyResult, ...]) -> ClientResult:
    """The relationship's result with its key requests; failed when one of them failed."""
    if not keys:
        return result
    done = sum(k.ok for k in keys)
    detail = f"{result.detail}; API keys: {done} of {len(keys)} requests done"
    failed = [k for k in keys if not k.ok]
    if failed:
        detail += "; " + "; ".join(f"{k.name}: {k.detail}" for k in failed)
    outcome = Outcome.FAILED if failed else result.outcome
    return ClientResult(
        result.client, outcome, detail, result.order_id, result.manual, result.eligible, keys
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
    if fresh.approval.tier != saved.approval.tier:
        return (
            f"planning now gives {_tier_words(fresh)} where the reviewed plan has "
            f"{_tier_words(saved)}: the catalog's risk tiers changed"
        )
    return None


def _tier_words(client_plan: ClientPlan) -> str:
    tier = client_plan.approval.tier
    return f"risk tier {tier.tier} ({tier.checkers} reviewers)" if tier else "no risk tier"
