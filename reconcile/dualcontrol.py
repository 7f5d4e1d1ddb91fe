"""Dual control: whether the people behind a plan satisfy the four-eyes rule of one relationship.

DOMAIN.md section 5: the admins among the author (maker) and the approvers (checkers) must
include one individual admin or two collective admins, and someone other than the author must
have approved. The verdict says what is still missing and who could still give it, so that a
pull request can ask the right people instead of failing with "not approved".

Beyond any peer (a policy of the catalog, on by default): nobody checks a change that raises
their own rights or Admin right; ``raised_rights`` says whose a relationship's changes raise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reconcile.model import AdminRight, ClientState
from reconcile.plan import Action, Address, Change, NoteKind, Resource, TierVerdict

ADMIN_HALF = "one individual admin or two collective admins"
RULE = f"{ADMIN_HALF}, plus a reviewer who is not the author"


def rule_for(checkers: int) -> str:
    """The rule in words when CHECKERS reviewers are needed (a risk tier asks for more than one)."""
    return (
        RULE if checkers <= 1 else f"{ADMIN_HALF}, plus {checkers} reviewers who are not the author"
    )


@dataclass(frozen=True)
class Admin:
    user: str
    github: str | None
    signature: AdminRight  # individual | collective


@dataclass(frozen=True)
class Evidence:
    """Who made and who approved a plan; people are e-finance user ids of the relationship."""

    plan_id: str
    commit: str | None
    author: str
    approvers: tuple[str, ...]
    outsiders: tuple[str, ...] = ()  # approved, but are no users of the relationship: never count
    discounted: tuple[str, ...] = ()  # approvals that do not count here, each saying why
    barred: tuple[str, ...] = ()  # users who cannot check here (the change raises their rights)


@dataclass(frozen=True)
class Verdict:
    satisfied: bool
    reason: str  # who counted, who reviewed, what was ignored
    counted: tuple[Admin, ...]  # the admins among author and approvers, author first
    missing: str  # "" when satisfied, else "needs ..."
    eligible: tuple[str, ...]  # admins who could still give what is missing


def admins_of(state: ClientState) -> tuple[Admin, ...]:
    """The relationship's admins as the bank has them, in the bank's user order."""
    return tuple(
        Admin(user.id, user.github, user.admin)
        for user in state.users
        if user.admin is not AdminRight.NONE
    )


# the Admin rights from least to most: an individual admin acts alone
ADMIN_ORDER = (AdminRight.NONE, AdminRight.COLLECTIVE, AdminRight.INDIVIDUAL)


def raised_rights(changes: Iterable[Change]) -> dict[str, tuple[str, ...]]:
    """Per user id, what the changes raise: a new right, a right up the catalog's ladder (or to a
    profile it does not rank, which nobody can call lower), a higher Admin right, a new signing
    key."""
    raised: dict[str, list[str]] = {}
    for change in changes:
        address = Address.parse(change.address)
        before, after = change.before or {}, change.after or {}
        if change.resource is Resource.AUTHORIZATION and change.after is not None:
            up = change.action is Action.CREATE or any(
                note.kind in (NoteKind.RAISE, NoteKind.UNRANKED) for note in change.notes
            )
            what = f"{address.contract}: {before.get('profile', 'none')} -> {after['profile']}"
        elif change.resource is Resource.ADMIN_RIGHT and change.after is not None:
            held, wanted = (AdminRight(before.get("admin", "none")), AdminRight(after["admin"]))
            up = ADMIN_ORDER.index(wanted) > ADMIN_ORDER.index(held)
            what = f"Admin right: {held} -> {wanted}"
        elif change.resource is Resource.SIGNING_KEY and change.after is not None:
            up, what = True, "a new signing key"  # whoever holds it signs approvals as the user
        else:
            continue
        if up and address.user is not None:
            raised.setdefault(address.user, []).append(what)
    return {user: tuple(items) for user, items in raised.items()}


def enough_admins(signatures: Sequence[str]) -> bool:
    """The admin half of the rule: one individual admin or two collective admins."""
    return AdminRight.INDIVIDUAL in signatures or list(signatures).count(AdminRight.COLLECTIVE) >= 2


def admins_needed(signatures: Sequence[str]) -> str:
    """What the admin half still needs, given the signatures counted so far."""
    if list(signatures).count(AdminRight.COLLECTIVE) == 1:
        return "one individual admin or a second collective admin"
    return "one individual admin or two collective admins"


def judge(
    evidence: Evidence,
    admins: Sequence[Admin],
    tier: TierVerdict | None = None,
    users: Sequence[str] = (),
) -> Verdict:
    """The verdict of the four-eyes rule; the author's own approval never counts.

    A risk ``tier`` (reconcile.tiers) only adds: its checkers are counted as the base rule's
    reviewer is, distinct people other than the author whose approval counts in the
    relationship, and the admin half stays as the bank has it. When only reviewers are missing,
    any of the relationship's ``users`` who has not approved could give one, admin or not.
    """
    by_user = {admin.user: admin for admin in admins}
    reviewers = tuple(dict.fromkeys(a for a in evidence.approvers if a != evidence.author))
    counted = tuple(by_user[p] for p in (evidence.author, *reviewers) if p in by_user)
    signatures = [admin.signature for admin in counted]

    needs = []
    if tier is not None and len(reviewers) < tier.checkers:
        needs.append(
            f"{tier.checkers} reviewers who are not the author for risk tier {tier.tier}, "
            f"has {len(reviewers)}"
        )
    elif not reviewers:
        needs.append("a reviewer who is not the author")
    admins_short = not enough_admins(signatures)
    if admins_short:
        needs.append(admins_needed(signatures))
    satisfied = not needs
    if satisfied:
        eligible: tuple[str, ...] = ()
    elif admins_short or not users:
        eligible = tuple(
            admin.user for admin in admins if admin.user != evidence.author and admin not in counted
        )
    else:
        unable = {evidence.author, *reviewers, *evidence.barred}
        eligible = tuple(user for user in users if user not in unable)
    return Verdict(
        satisfied=satisfied,
        reason=_reason(evidence, reviewers, counted),
        counted=counted,
        missing="needs " + " and ".join(needs) if needs else "",
        eligible=eligible,
    )


def _reason(evidence: Evidence, reviewers: tuple[str, ...], counted: tuple[Admin, ...]) -> str:
    if reviewers:
        parts = [f"approved by {', '.join(reviewers)}"]
    elif evidence.outsiders:
        who = "who is no user" if len(evidence.outsiders) == 1 else "who are no users"
        parts = [f"approved only by {', '.join(evidence.outsiders)}, {who} of this relationship"]
    else:
        parts = ["no approval from anyone but the author"]
    if counted:
        listed = ", ".join(
            f"{admin.user} ({admin.signature}{', author' if admin.user == evidence.author else ''})"
            for admin in counted
        )
        parts.append(f"admins counted: {listed}")
    else:
        parts.append("no admin among the author and the approvers")
    if evidence.author in evidence.approvers:
        parts.append("the author's own approval does not count")
    parts.extend(evidence.discounted)
    return "; ".join(parts)
