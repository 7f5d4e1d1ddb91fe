"""Dual control: whether the people behind a plan satisfy the four-eyes rule of one relationship.

DOMAIN.md section 5: the admins among the author (maker) and the approvers (checkers) must
include one individual admin or two collective admins, and someone other than the author must
have approved. The verdict says what is still missing and who could still give it, so that a
pull request can ask the right people instead of failing with "not approved".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reconcile.model import AdminRight, ClientState

RULE = "one individual admin or two collective admins, plus a reviewer who is not the author"


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


def enough_admins(signatures: Sequence[str]) -> bool:
    """The admin half of the rule: one individual admin or two collective admins."""
    return AdminRight.INDIVIDUAL in signatures or list(signatures).count(AdminRight.COLLECTIVE) >= 2


def admins_needed(signatures: Sequence[str]) -> str:
    """What the admin half still needs, given the signatures counted so far."""
    if list(signatures).count(AdminRight.COLLECTIVE) == 1:
        return "one individual admin or a second collective admin"
    return "one individual admin or two collective admins"


def judge(evidence: Evidence, admins: Sequence[Admin]) -> Verdict:
    """The verdict of the four-eyes rule; the author's own approval never counts."""
    by_user = {admin.user: admin for admin in admins}
    reviewers = tuple(dict.fromkeys(a for a in evidence.approvers if a != evidence.author))
    counted = tuple(by_user[p] for p in (evidence.author, *reviewers) if p in by_user)
    signatures = [admin.signature for admin in counted]

    needs = []
    if not reviewers:
        needs.append("a reviewer who is not the author")
    if not enough_admins(signatures):
        needs.append(admins_needed(signatures))
    satisfied = not needs
    eligible = (
        ()
        if satisfied
        else tuple(
            admin.user for admin in admins if admin.user != evidence.author and admin not in counted
        )
    )
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
