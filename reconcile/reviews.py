"""Pull-request reviews as dual-control evidence: who approved the reviewed commit, as whom.

GitHub's rule decides which review of a reviewer stands: the latest of APPROVED,
CHANGES_REQUESTED and DISMISSED (comments and pending reviews change nothing). Ours add three:
only an approval of the exact head commit counts (a later push is unreviewed); the author never
approves their own change; and a GitHub login is a person only through the ``github`` login of a
user in the relationship's declaration as it was at the pull request's base, so that a pull
request cannot name its own approvers. Every approval that does not count is kept with its
reason, so that a refusal can say why instead of just "not approved".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from reconcile.backend import GITHUB_PREFIX
from reconcile.dualcontrol import Evidence
from reconcile.model import ClientSpec


class ReviewState(StrEnum):
    """A review's state as GitHub's REST API spells it."""

    APPROVED = "APPROVED"
    CHANGES_REQUESTED = "CHANGES_REQUESTED"
    COMMENTED = "COMMENTED"
    DISMISSED = "DISMISSED"
    PENDING = "PENDING"


# the states that replace a reviewer's state
DECIDING = (ReviewState.APPROVED, ReviewState.CHANGES_REQUESTED, ReviewState.DISMISSED)

_SHA = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?\Z")


@dataclass(frozen=True)
class Review:
    """One review as GitHub lists it."""

    id: int
    login: str | None  # None: the reviewer's account was deleted
    state: ReviewState
    commit: str | None  # the head when it was submitted; None once GitHub lost that commit
    submitted_at: datetime | None  # None only while PENDING

    def __post_init__(self) -> None:  # data read from JSON carries the state as text
        object.__setattr__(self, "state", ReviewState(self.state))


@dataclass(frozen=True)
class PullRequest:
    author: str  # GitHub login of the maker
    head: str  # the reviewed commit (full sha)
    base: str  # the revision whose declarations map logins to users
    number: int | None = None


class Ignored(StrEnum):
    OLD_COMMIT = "old commit"
    SUPERSEDED = "superseded"
    AUTHOR = "author"
    NOT_A_USER = "not a user"


@dataclass(frozen=True)
class IgnoredReview:
    review: Review
    reason: Ignored
    detail: str  # a sentence naming the reviewer

    def to_json(self) -> dict:
        return {
            "review": self.review.id,
            "login": self.review.login,
            "reason": self.reason.value,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Approvals:
    """The reviews of a pull request judged once, before any relationship is looked at."""

    approving: tuple[Review, ...]  # each reviewer's standing approval of the head
    ignored: tuple[IgnoredReview, ...]


@dataclass(frozen=True)
class ClientEvidence:
    """One relationship's evidence, what did not count there, and its people's logins."""

    evidence: Evidence
    ignored: tuple[IgnoredReview, ...]
    logins: Mapping[str, str]  # user id -> GitHub login, as declared at the base


def is_commit_sha(value: str) -> bool:
    """A full commit sha (SHA-1 or SHA-256, lower case), as reviews name their commit."""
    return bool(_SHA.match(value))


def short(revision: str) -> str:
    """A full commit sha shortened for messages; any other revision as given."""
    return revision[:12] if is_commit_sha(revision) else revision


def standing_approvals(reviews: Sequence[Review], head: str, author: str) -> Approvals:
    """Each reviewer's standing review; it counts when it approves ``head`` and is not the author's.

    Reviewers are told apart by login, case-insensitively, and judged in the order of their first
    review. Order in time is ``submitted_at``, then the order of the list.
    """
    by_reviewer: dict[str | None, list[tuple[datetime | None, int, Review]]] = {}
    for position, review in enumerate(reviews):
        key = review.login.casefold() if review.login is not None else None
        by_reviewer.setdefault(key, []).append((review.submitted_at, position, review))
    approving: list[Review] = []
    ignored: list[IgnoredReview] = []
    for key, entries in by_reviewer.items():
        deciding = [
            review
            for *_, review in sorted(
                (e for e in entries if e[2].state in DECIDING), key=_in_time_order
            )
        ]
        approvals = [review for review in deciding if review.state is ReviewState.APPROVED]
        if not deciding or (not approvals and deciding[-1].state is not ReviewState.DISMISSED):
            continue  # never approved: nothing to count, nothing to ignore
        latest = deciding[-1]
        name = latest.login or "a deleted account"
        if key == author.casefold():
            if approvals:
                detail = f"{name} is the author; an author's own approval never counts"
                ignored.append(IgnoredReview(approvals[-1], Ignored.AUTHOR, detail))
        elif key is None:
            detail = "the approval of a deleted account is nobody's"
            ignored.append(IgnoredReview(latest, Ignored.NOT_A_USER, detail))
        elif latest.state is ReviewState.CHANGES_REQUESTED:
            detail = f"{name} requested changes after approving"
            ignored.append(IgnoredReview(approvals[-1], Ignored.SUPERSEDED, detail))
        elif latest.state is ReviewState.DISMISSED:
            detail = f"{name}'s review was dismissed"
            ignored.append(IgnoredReview(latest, Ignored.SUPERSEDED, detail))
        elif latest.commit != head:
            approved = short(latest.commit) if latest.commit else "a commit GitHub no longer has"
            detail = f"{name} approved {approved}, not the reviewed head {short(head)}"
            ignored.append(IgnoredReview(latest, Ignored.OLD_COMMIT, detail))
        else:
            approving.append(latest)
    return Approvals(tuple(approving), tuple(ignored))


def _in_time_order(entry: tuple[datetime | None, int, Review]) -> tuple[float, int]:
    """By submission time, then list order; a review without a time counts as the earliest."""
    submitted, position, _ = entry
    return (submitted.timestamp() if submitted else float("-inf"), position)


def client_evidence(
    plan_id: str,
    pull: PullRequest,
    approvals: Approvals,
    client: str,
    declaration: ClientSpec | None,
) -> ClientEvidence:
    """The evidence for one relationship, people mapped through its declaration at the base.

    ``declaration`` is None when the base has no valid declaration of the relationship: then
    nobody's login maps, and the author is the maker ``github:<login>``.
    """
    users = declaration.users if declaration is not None else ()
    logins = {user.id: user.github for user in users if user.github}
    by_login = {login.casefold(): user for user, login in logins.items()}
    approvers: list[str] = []
    ignored = list(approvals.ignored)
    for review in approvals.approving:
        user = by_login.get(review.login.casefold())
        if user is not None:
            approvers.append(user)
        elif declaration is None:
            detail = (
                f"{review.login} cannot count for {client}: it has no valid declaration at the "
                f"base {short(pull.base)}"
            )
            ignored.append(IgnoredReview(review, Ignored.NOT_A_USER, detail))
        else:
            detail = (
                f"{review.login} is the github login of no user of {client} at the base "
                f"{short(pull.base)}"
            )
            ignored.append(IgnoredReview(review, Ignored.NOT_A_USER, detail))
    author = by_login.get(pull.author.casefold(), GITHUB_PREFIX + pull.author)
    return ClientEvidence(
        evidence=Evidence(plan_id, pull.head, author, tuple(approvers)),
        ignored=tuple(ignored),
        logins=logins,
    )


def eligible_logins(eligible: Sequence[str], logins: Mapping[str, str]) -> tuple[str, ...]:
    """Who could still approve, by GitHub login; an admin without a declared login by user id."""
    return tuple(logins.get(user, f"{user} (no github login)") for user in eligible)


def refusal(client: str, missing: str, eligible: Sequence[str]) -> str:
    """``10432210: needs one individual admin or ...; eligible: anna-m, rico-b``."""
    return f"{client}: {missing}; eligible: {', '.join(eligible) or 'none'}"
