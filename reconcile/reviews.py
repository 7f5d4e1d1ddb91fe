"""Pull-request reviews as dual-control evidence: who approved the reviewed commit, as whom.

GitHub's rule decides which review of a reviewer stands: the latest of APPROVED,
CHANGES_REQUESTED and DISMISSED (comments and pending reviews change nothing). Ours add three:
only an approval of the exact head commit counts (a later push is unreviewed); the author never
approves their own change; and a GitHub login is a person only through the ``github`` login of a
user in the relationship's declaration as it was at the pull request's base, so that a pull
request cannot name its own approvers. Every approval that does not count is kept with its
reason, so that a refusal can say why instead of just "not approved".

Who counts as a checker (issue 8): a declared ``github_id`` is the person, whatever the login is
now (a freed or reclaimed login of a declared admin is someone else); only reviewers with write
access to the repository count (the permission GitHub reports per reviewer, else their
association with the repository); everyone who authored or committed a commit of the pull
request is a maker like its author, never a checker; and, by the catalog's policy, nobody checks
a change that raises their own rights or Admin right in that relationship.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from reconcile.backend import GITHUB_PREFIX
from reconcile.dualcontrol import Evidence
from reconcile.model import ClientSpec, UserSpec


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
    user_id: int | None = None  # GitHub's permanent user id (a login can be freed and reused)
    association: str | None = None  # author_association: OWNER, MEMBER, COLLABORATOR, ...

    def __post_init__(self) -> None:  # data read from JSON carries the state as text
        object.__setattr__(self, "state", ReviewState(self.state))


@dataclass(frozen=True)
class PullRequest:
    author: str  # GitHub login of the maker
    head: str  # the reviewed commit (full sha)
    base: str  # the revision whose declarations map logins to users
    number: int | None = None
    author_id: int | None = None  # the author's GitHub user id, when the event carries it


# what GitHub's permission endpoint says of a reviewer who may push (permission, or role_name)
WRITE_PERMISSIONS = ("admin", "maintain", "write")
# without it: the associations GitHub gives people the repository's owner let in
WRITE_ASSOCIATIONS = ("OWNER", "MEMBER", "COLLABORATOR")


@dataclass(frozen=True)
class Person:
    """A GitHub account: a login and, where known, its permanent id."""

    login: str
    id: int | None = None


@dataclass(frozen=True)
class Makers:
    """Everyone who authored or committed a commit of the pull request (besides its author)."""

    people: tuple[Person, ...] = ()

    def includes(self, review: Review) -> Person | None:
        """The maker this reviewer is, by id or by login: either makes a maker (never a checker)."""
        login = review.login.casefold() if review.login is not None else None
        for person in self.people:
            if review.user_id is not None and review.user_id == person.id:
                return person
            if login is not None and login == person.login.casefold():
                return person
        return None


@dataclass(frozen=True)
class WriteAccess:
    """Who may push to the repository: per login as GitHub's permission endpoint answered, or,
    when that was not asked (``permissions`` None), by the review's author_association."""

    permissions: Mapping[str, str] | None = None  # login (any case) -> permission

    def refusal(self, review: Review) -> str | None:
        """None when the reviewer has write access; else why not, as a sentence."""
        name = review.login or "a deleted account"
        if self.permissions is None:
            if review.association in WRITE_ASSOCIATIONS:
                return None
            association = review.association or "no association"
            return (
                f"{name} has no write access to the repository ({association}; a checker is "
                f"{', '.join(WRITE_ASSOCIATIONS)})"
            )
        by_login = {login.casefold(): p for login, p in self.permissions.items()}
        permission = by_login.get((review.login or "").casefold())
        if permission in WRITE_PERMISSIONS:
            return None
        shown = f"permission {permission}" if permission else "no permission on record"
        return f"{name} has no write access to the repository ({shown})"


class Ignored(StrEnum):
    OLD_COMMIT = "old commit"
    SUPERSEDED = "superseded"
    AUTHOR = "author"
    MAKER = "maker"  # authored or committed a commit of the pull request
    NO_WRITE_ACCESS = "no write access"
    NOT_A_USER = "not a user"
    OTHER_ACCOUNT = "other account"  # the declared login, but not the declared github_id
    RAISES_OWN = "raises own rights"


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
    makers: tuple[Person, ...] = ()  # who authored or committed a commit, besides the author


@dataclass(frozen=True)
class ClientEvidence:
    """One relationship's evidence, what did not count there, and its people's logins."""

    evidence: Evidence
    ignored: tuple[IgnoredReview, ...]
    logins: Mapping[str, str]  # user id -> GitHub login, as declared at the base
    barred: tuple[str, ...] = ()  # users who cannot check here: makers, raised by the change

    def eligible(self, eligible: Sequence[str]) -> tuple[str, ...]:
        """The admins who could still approve, without those who cannot check here."""
        return tuple(user for user in eligible if user not in self.barred)


def is_commit_sha(value: str) -> bool:
    """A full commit sha (SHA-1 or SHA-256, lower case), as reviews name their commit."""
    return bool(_SHA.match(value))


def short(revision: str) -> str:
    """A full commit sha shortened for messages; any other revision as given."""
    return revision[:12] if is_commit_sha(revision) else revision


def standing_approvals(
    reviews: Sequence[Review],
    head: str,
    author: str,
    *,
    access: WriteAccess,
    makers: Makers = Makers(),
    author_id: int | None = None,
) -> Approvals:
    """Each reviewer's standing review; it counts when it approves ``head``, is not the author's
    (by login, or by ``author_id`` where the event gave it: a renamed author is still the
    author) nor another maker's, and the reviewer has write ``access`` to the repository.

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
        if key == author.casefold() or (author_id is not None and latest.user_id == author_id):
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
        elif maker := makers.includes(latest):
            detail = (
                f"{name} authored or committed a commit of the pull request ({maker.login}): a "
                "maker never counts as checker"
            )
            ignored.append(IgnoredReview(latest, Ignored.MAKER, detail))
        elif (no_access := access.refusal(latest)) is not None:
            ignored.append(IgnoredReview(latest, Ignored.NO_WRITE_ACCESS, no_access))
        else:
            approving.append(latest)
    return Approvals(tuple(approving), tuple(ignored), makers.people)


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
    raised: Mapping[str, Sequence[str]] | None = None,
) -> ClientEvidence:
    """The evidence for one relationship, people mapped through its declaration at the base.

    A user with a ``github_id`` is that GitHub account, whatever its login now; a user without
    one is their ``github`` login. ``raised`` (user id -> what the change raises, from
    reconcile.dualcontrol.raised_rights) names who cannot check this relationship's change.
    ``declaration`` is None when the base has no valid declaration of the relationship: then
    nobody's login maps, and the author is the maker ``github:<login>``.
    """
    users = declaration.users if declaration is not None else ()
    logins = {user.id: user.github for user in users if user.github}
    raised = raised or {}
    approvers: list[str] = []
    ignored = list(approvals.ignored)
    for review in approvals.approving:
        user, other = _declared(users, review.login, review.user_id)
        if user is not None and user.id in raised:
            detail = (
                f"{review.login} is {user.id}, whose own rights this change raises in {client} "
                f"({'; '.join(raised[user.id])}): a checker must be beyond any peer"
            )
            ignored.append(IgnoredReview(review, Ignored.RAISES_OWN, detail))
        elif user is not None:
            approvers.append(user.id)
        elif other is not None:
            account = (
                f"GitHub user {review.user_id}"
                if review.user_id
                else "an account GitHub gave no id"
            )
            detail = (
                f"{review.login} is now {account}, not {other.id}'s declared github_id "
                f"{other.github_id} at the base {short(pull.base)}: a freed or reclaimed login "
                "is someone else"
            )
            ignored.append(IgnoredReview(review, Ignored.OTHER_ACCOUNT, detail))
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
    author, _ = _declared(users, pull.author, pull.author_id)
    maker = author.id if author else GITHUB_PREFIX + pull.author
    makers = (_declared(users, person.login, person.id)[0] for person in approvals.makers)
    barred = dict.fromkeys([*(user.id for user in makers if user is not None), *raised])
    return ClientEvidence(
        evidence=Evidence(plan_id, pull.head, maker, tuple(approvers), barred=tuple(barred)),
        ignored=tuple(ignored),
        logins=logins,
        barred=tuple(barred),
    )


def _declared(
    users: Sequence[UserSpec], login: str | None, account: int | None
) -> tuple[UserSpec | None, UserSpec | None]:
    """The declared user a GitHub account is, and else the user whose login it took over.

    By ``github_id`` first: a renamed account is still its person. Then by login, but only for a
    user without a ``github_id``; one with an id is somebody else when the ids differ (or GitHub
    gave none).
    """
    if account is not None:
        for user in users:
            if user.github_id == account:
                return user, None
    for user in users:
        if login is not None and user.github and user.github.casefold() == login.casefold():
            return (user, None) if user.github_id is None else (None, user)
    return None, None


def eligible_logins(eligible: Sequence[str], logins: Mapping[str, str]) -> tuple[str, ...]:
    """Who could still approve, by GitHub login; an admin without a declared login by user id."""
    return tuple(logins.get(user, f"{user} (no github login)") for user in eligible)


def refusal(client: str, missing: str, eligible: Sequence[str]) -> str:
    """``10432210: needs one individual admin or ...; eligible: anna-m, rico-b``."""
    return f"{client}: {missing}; eligible: {', '.join(eligible) or 'none'}"
