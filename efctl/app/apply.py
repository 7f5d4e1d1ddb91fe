"""`efctl approve` and `efctl apply`: local evidence, one order per relationship, the forms.

The decisions are reconcile.apply's; this module reads the approvals, compares the reviewed
plan with the same plan made now, builds each relationship's evidence and reports.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from efctl.app.bankview import BankView
from efctl.app.keys import SINK_HINT
from efctl.app.planfile import read_plan
from efctl.app.shards import whole_plan
from efctl.app.signing import approval_message, require_key, sign, verify
from efctl.config import Settings
from efctl.declarations.schema import load_schema
from efctl.errors import EfctlError
from efctl.files import write_file
from efctl.render.apply import apply_text
from reconcile.apply import ClientResult, KeySink, Outcome, apply_client, issues_keys
from reconcile.backend import GITHUB_PREFIX, LockHolder, RelationshipBusy
from reconcile.catalog import Catalog
from reconcile.dualcontrol import Evidence, raised_rights
from reconcile.model import ClientState
from reconcile.plan import Plan

APPROVALS_FORMAT = "1"


def approvals_path_for(plan_path: Path) -> Path:
    return plan_path.with_name(plan_path.stem + ".approvals.json")


def read_approvals(path: Path, plan_id: str) -> dict:
    try:
        approvals = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise EfctlError(
            f"{path}: no such approvals file",
            hint="record approvals with `efctl approve PLANFILE --as USER --author MAKER`",
        ) from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EfctlError(f"{path}: not a readable approvals file: {exc}") from exc
    from jsonschema import Draft202012Validator  # only where an approvals file is read

    problem = next(
        iter(Draft202012Validator(load_schema("approvals")).iter_errors(approvals)), None
    )
    if problem:
        raise EfctlError(
            f"{path}: not a valid approvals file: {problem.json_path}: {problem.message}"
        )
    if approvals["plan_id"] != plan_id:
        raise EfctlError(
            f"{path}: these approvals are for plan {approvals['plan_id']}, not {plan_id}",
            hint="approvals count only for the exact plan reviewed; approve this plan",
        )
    return approvals


@dataclass(frozen=True)
class Approved:
    user: str
    plan_id: str
    approvals: Path
    clients: tuple[str, ...] = ()  # the relationships signed for; () when unsigned

    def text(self) -> str:
        signed = f"signed for {', '.join(self.clients)}" if self.clients else "unsigned"
        return f"{self.user} approved plan {self.plan_id[:19]}…, {signed} ({self.approvals})"


UNSIGNED_HINT = (
    "sign the approval with your SSH key: efctl approve PLANFILE --as USER --key KEY, "
    "with the key's public line declared as the user's signing_key and applied by an earlier plan"
)


def unsigned_refusal(users: Iterable[str]) -> EfctlError:
    return EfctlError(
        f"unsigned approvals ({', '.join(users)}) count on the local sandbox (sqlite:///) only, "
        "not at this bank",
        hint=UNSIGNED_HINT,
    )


def approve(
    plan_path: Path,
    user: str,
    author: str | None,
    out: Path | None,
    bank: BankView,
    *,
    key: Path | None,
    unsigned: bool,
    local: bool,
) -> Approved:
    """Record USER's approval of the plan, signed with KEY (or unsigned: sandbox only).

    The signature covers the relationships of the plan where USER is a user at the bank. The
    author's own approval is refused.
    """
    if unsigned and not local:
        raise unsigned_refusal([user])
    plan = whole_plan(plan_path, read_plan(plan_path))
    out = out or approvals_path_for(plan_path)
    relationships = [c.client for c in plan.clients]
    if out.exists():
        approvals = read_approvals(out, plan.plan_id)
        if author and author != approvals["author"]:
            raise EfctlError(
                f"{out}: the plan's author is recorded as {approvals['author']}, not {author}"
            )
    elif not author:
        raise EfctlError(
            "the first approval of a plan names its author (the maker)",
            hint=f"efctl approve {plan_path} --as {user} --author MAKER",
        )
    else:
        _require_user(
            bank, relationships, author, "--author is the e-finance user id of who made the plan"
        )
        approvals = {
            "format_version": APPROVALS_FORMAT,
            "plan_id": plan.plan_id,
            "author": author,
            "approvals": [],
        }
    if user == approvals["author"]:
        raise EfctlError(
            f"{user} made this plan and cannot approve it: four eyes need a second person"
        )
    if user in (a["user"] for a in approvals["approvals"]):
        raise EfctlError(f"{user} has already approved plan {plan.plan_id}")
    hint = "approvers are e-finance user ids of the relationships they approve"
    _require_user(bank, relationships, user, hint)
    entry: dict[str, Any] = {"user": user, "at": _now()}
    clients = ()
    if not unsigned:
        key = require_key(key)
        clients = tuple(c for c in relationships if _is_user(bank.read_client(c), user))
        signature = sign(approval_message(plan.plan_id, clients, user), key)
        entry |= {"clients": list(clients), "signature": signature}
    approvals["approvals"].append(entry)
    write_approvals(approvals, out)
    return Approved(user, plan.plan_id, out, clients)


def write_approvals(approvals: dict, out: Path) -> None:
    write_file(out, json.dumps(approvals, indent=2) + "\n")


def _require_user(bank: BankView, relationships: list[str], person: str, hint: str) -> None:
    """Refuse PERSON unless they are a user of at least one relationship of the plan."""
    if not any(_is_user(bank.read_client(c), person) for c in relationships):
        raise EfctlError(
            f"{person} is no user of any relationship in this plan ({', '.join(relationships)})",
            hint=hint,
        )


@dataclass(frozen=True)
class ApplyReport:
    plan_id: str
    results: tuple[ClientResult, ...]
    forms: tuple[Path, ...] = ()  # Admin-right forms to sign, written after the orders

    @property
    def ok(self) -> bool:
        """Every relationship succeeded, and this run was not a mere repeat of an earlier one.

        A resumed apply (some relationships done before, the rest now) is ok; applying a plan
        whose every change was already applied is refused, like any second apply.
        """
        changed = [r for r in self.results if r.outcome is not Outcome.NO_CHANGES]
        repeat = bool(changed) and all(r.outcome is Outcome.ALREADY_APPLIED for r in changed)
        return all(r.ok for r in self.results) and not repeat

    def as_json(self) -> dict[str, Any]:
        return {
            "plan_id": self.plan_id,
            "results": [
                {
                    "client": r.client,
                    "outcome": r.outcome.value,
                    "detail": r.detail,
                    "order": r.order_id,
                    "eligible": list(r.eligible),
                    "manual": [c.to_json() for c in r.manual],
                    **(
                        {
                            "api_keys": [
                                {
                                    "name": k.name,
                                    "action": k.action.value,
                                    "ok": k.ok,
                                    "detail": k.detail,
                                    "fingerprint": k.fingerprint,
                                    "expires": k.expires,
                                }
                                for k in r.keys
                            ]
                        }
                        if r.keys
                        else {}
                    ),
                }
                for r in self.results
            ],
        }


EvidenceFor = Callable[[Plan, ClientState | None], Evidence]
"""Builds one relationship's evidence from the plan and the bank's state of it."""


class EvidenceSource(Protocol):
    """Where the approvals come from (an approvals file, a pull request's reviews)."""

    def __call__(self, plan: Plan, bank: BankView) -> EvidenceFor:
        """Check the evidence against the plan as a whole; then judge each relationship."""

    def annotate(self, report: dict) -> dict:
        """The apply report in JSON, with what this source knows added (e.g. logins)."""

    def text(self, report: dict) -> str:
        """The annotated report for people."""


class LocalEvidence:
    """Evidence from an approvals file: approvals by users of a relationship count there.

    The author makes the order of every relationship of the plan. Where they are no user, the
    bank takes them only as ``github:<login>`` (never an admin there), so their login is looked
    up in the plan's other relationships: one user id is one person in all of them.

    Signed approvals count in a relationship only when the signature names that relationship
    and verifies against the signing key the bank holds for the approver there (a key reaches
    the bank only through an applied plan, so the plan being approved cannot bring its own);
    unsigned ones count on the local sandbox only, and anywhere else the apply is refused.
    """

    def __init__(self, approvals_path: Path, *, local: bool, no_checker_for_own_raise: bool = True):
        self.approvals_path = approvals_path
        self.local = local
        self.no_checker_for_own_raise = no_checker_for_own_raise  # the catalog's policy
        self.unsigned: tuple[str, ...] = ()

    def __call__(self, plan: Plan, bank: BankView) -> EvidenceFor:
        approvals = read_approvals(self.approvals_path, plan.plan_id)
        author = approvals["author"]
        unsigned = [a["user"] for a in approvals["approvals"] if "signature" not in a]
        if unsigned and not self.local:
            raise unsigned_refusal(dict.fromkeys(unsigned))
        self.unsigned = tuple(dict.fromkeys(unsigned))

        def why_not(approval: dict, state: ClientState) -> str | None:
            """None when APPROVAL counts in STATE's relationship as far as its signature goes,
            else why not. The key is the one the bank holds before the plan: one the plan
            itself declares does not count until it has been applied."""
            if "signature" not in approval:
                return None
            user, client = approval["user"], state.id
            if client not in approval["clients"]:
                covered = ", ".join(approval["clients"])
                return f"{user}'s signature is not for {client} (it covers {covered})"
            key = next(u.signing_key for u in state.users if u.id == user)
            if key is None:
                return (
                    f"{user}'s signature does not count for {client}: the bank holds no signing"
                    " key for them (a declared signing_key counts once a plan has applied it)"
                )
            message = approval_message(plan.plan_id, approval["clients"], user)
            problem = verify(message, approval["signature"], user, key)
            return problem and f"{user}'s signature does not verify for {client} ({problem})"

        @functools.cache
        def author_elsewhere() -> str:
            states = (bank.read_client(c.client) for c in plan.clients)
            logins = (u.github for s in states if s for u in s.users if u.id == author)
            login = next(filter(None, logins), None)
            return GITHUB_PREFIX + login if login else author

        def raises_own(user: str, raised: Mapping[str, tuple[str, ...]]) -> str | None:
            """Why USER is no checker of a change that raises their own rights (RAISED)."""
            return user in raised and (
                f"{user} is no checker where the change raises their own rights"
                f" ({'; '.join(raised[user])}): a checker must be beyond any peer"
            )

        def for_client(plan: Plan, state: ClientState | None) -> Evidence:
            client_plan = plan.client(state.id) if state and self.no_checker_for_own_raise else None
            raised = raised_rights(client_plan.changes) if client_plan else {}
            judged = [
                (a["user"], why_not(a, state) or raises_own(a["user"], raised) or None)
                for a in approvals["approvals"]
                if state and _is_user(state, a["user"])
            ]
            return Evidence(
                plan_id=plan.plan_id,
                commit=plan.commit,
                author=author if _is_user(state, author) else author_elsewhere(),
                approvers=tuple(user for user, problem in judged if not problem),
                outsiders=tuple(
                    a["user"] for a in approvals["approvals"] if not _is_user(state, a["user"])
                ),
                discounted=tuple(dict.fromkeys(problem for _, problem in judged if problem)),
                barred=tuple(raised),
            )

        return for_client

    def annotate(self, report: dict) -> dict:
        return report

    def text(self, report: dict) -> str:
        text = apply_text(report)
        if self.unsigned:
            who = ", ".join(f"{user} (unsigned)" for user in self.unsigned)
            text += f"Approved without a signature, counted on the local sandbox only: {who}.\n"
        return text


def apply_plan(
    reviewed: Plan,
    fresh: Plan,
    evidence: EvidenceSource,
    bank: BankView,
    catalog: Catalog,
    settings: Settings,
    *,
    artifacts: Path,
    progress: Callable[[list], Iterable] = iter,
    sink: KeySink | None = None,
    lock_timeout: float | None = None,
    waiting: Callable[[str], None] | None = None,
) -> ApplyReport:
    """Apply the reviewed plan where it still holds (``fresh`` is the same planned now).

    Each relationship with changes is held (``Backend.hold``) from reading its state to its
    result, waiting up to ``lock_timeout`` seconds (default: the settings') for another apply
    of it (``waiting`` is told whom for); one still held then is reported ``locked`` and the
    others go on.
    """
    timeout = settings.lock_timeout if lock_timeout is None else lock_timeout
    if sink is None and issues_keys(reviewed):
        raise EfctlError(
            "the plan issues API keys, and no secret sink was given; nothing was applied",
            hint=SINK_HINT,
        )
    evidence_for = evidence(reviewed, bank)
    planned, current = reviewed.inputs_digest, fresh.inputs_digest
    if current != planned:
        raise EfctlError(
            f"the declarations changed since the plan was made (inputs digest {planned[:19]}… "
            f"planned, {current[:19]}… now); nothing was applied",
            hint="make a new plan from the current declarations and have it reviewed",
        )
    results = []
    for client_plan in progress(list(reviewed.clients)):
        client = client_plan.client
        held = (
            bank.bank.hold(client, reviewed.plan_id, timeout, waiting)
            if client_plan.changes
            else nullcontext()  # nothing to write, nothing to wait for
        )
        try:
            with held as waited_for:
                proof = evidence_for(reviewed, bank.read_client(client))
                result = apply_client(
                    reviewed, client_plan, fresh.client(client), proof, bank.bank, sink
                )
        except RelationshipBusy as exc:
            result = ClientResult(client, Outcome.LOCKED, f"{exc}; {exc.hint}")
        else:
            result = _applied_while_waiting(result, waited_for, reviewed.plan_id)
        results.append(result)
    from efctl.reports.admin_form import write_admin_forms  # fpdf loads slowly: only here

    forms = write_admin_forms(
        results, bank.bank, catalog, settings.today, artifacts, plan_id=reviewed.plan_id
    )
    return ApplyReport(reviewed.plan_id, tuple(results), tuple(forms))


def _applied_while_waiting(
    result: ClientResult, waited_for: LockHolder | None, plan_id: str
) -> ClientResult:
    """A relationship found applied after waiting for another apply of the same plan was
    applied by that run meanwhile: a success, not a repeat of an apply done before."""
    if result.outcome is not Outcome.ALREADY_APPLIED or not waited_for:
        return result
    if not waited_for.applies(plan_id):  # another plan's apply: this plan was applied before
        return result
    return replace(
        result,
        outcome=Outcome.APPLIED_ELSEWHERE,
        detail=f"order {result.order_id} executed this plan while this run waited for its lock",
    )


def _is_user(state, user: str) -> bool:
    return state is not None and any(u.id == user for u in state.users)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
