"""Pull-request reviews -> standing approvals of the head -> evidence per relationship."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from reconcile.dualcontrol import Evidence, raised_rights
from reconcile.model import ClientSpec, UserSpec
from reconcile.plan import Action, Change, Note, NoteKind, Resource
from reconcile.reviews import (
    Approvals,
    ClientEvidence,
    Ignored,
    IgnoredReview,
    Makers,
    Person,
    PullRequest,
    Review,
    WriteAccess,
    client_evidence,
    eligible_logins,
    is_commit_sha,
    refusal,
    short,
    standing_approvals,
)

HEAD = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
OLD = "f1d2d2f924e986ac86fdf7b36c94bcdf32beec15"
PULL = PullRequest(author="anna-m", head=HEAD, base="main", number=42)
PLAN_ID = "sha256:" + "0" * 64


def review(number: int, login: str | None, state: str, commit: str | None = HEAD, hour=None):
    """Review ``number`` by a MEMBER of the repository, submitted at that hour of a day unless
    ``hour`` says otherwise."""
    at = None if state == "PENDING" else datetime(2026, 11, 21, hour or number, tzinfo=UTC)
    return Review(number, login, state, commit, at, association="MEMBER")


BY_ASSOCIATION, NO_MAKERS = WriteAccess(), Makers()


def standing(*reviews: Review, access=BY_ASSOCIATION, makers=NO_MAKERS) -> Approvals:
    return standing_approvals(reviews, HEAD, PULL.author, access=access, makers=makers)


def test_an_approval_of_the_head_counts():
    approval = review(1, "bruno-k", "APPROVED")
    assert standing(approval) == Approvals((approval,), ())


def test_an_approval_of_an_older_commit_does_not():
    old = review(1, "bruno-k", "APPROVED", OLD)
    assert standing(old) == Approvals(
        (),
        (
            IgnoredReview(
                old,
                Ignored.OLD_COMMIT,
                "bruno-k approved f1d2d2f924e9, not the reviewed head 6dcb09b5b578",
            ),
        ),
    )


def test_an_approval_of_a_commit_github_lost_does_not():
    lost = review(1, "bruno-k", "APPROVED", None)
    assert standing(lost).ignored[0].detail == (
        "bruno-k approved a commit GitHub no longer has, not the reviewed head 6dcb09b5b578"
    )


def test_changes_requested_after_an_approval_supersede_it():
    approval = review(1, "bruno-k", "APPROVED")
    assert standing(approval, review(2, "bruno-k", "CHANGES_REQUESTED")) == Approvals(
        (),
        (IgnoredReview(approval, Ignored.SUPERSEDED, "bruno-k requested changes after approving"),),
    )


def test_an_approval_after_changes_requested_counts():
    approval = review(2, "bruno-k", "APPROVED")
    assert standing(review(1, "bruno-k", "CHANGES_REQUESTED"), approval).approving == (approval,)


def test_a_dismissed_review_does_not_count_but_a_fresh_approval_does():
    dismissed = review(1, "bruno-k", "DISMISSED")
    assert standing(dismissed) == Approvals(
        (), (IgnoredReview(dismissed, Ignored.SUPERSEDED, "bruno-k's review was dismissed"),)
    )
    again = review(2, "bruno-k", "APPROVED")
    assert standing(dismissed, again) == Approvals((again,), ())


def test_comments_and_pending_reviews_change_nobody_s_state():
    approval = review(1, "bruno-k", "APPROVED")
    noise = (review(2, "bruno-k", "COMMENTED"), review(3, "bruno-k", "PENDING"))
    assert standing(approval, *noise) == Approvals((approval,), ())
    assert standing(*noise) == Approvals((), ())


def test_requesting_changes_without_ever_approving_is_nothing_to_ignore():
    assert standing(review(1, "bruno-k", "CHANGES_REQUESTED")) == Approvals((), ())


def test_time_orders_reviews_not_the_list():
    later_approval = review(1, "bruno-k", "APPROVED", hour=12)
    earlier_objection = review(2, "bruno-k", "CHANGES_REQUESTED", hour=9)
    assert standing(later_approval, earlier_objection).approving == (later_approval,)


def test_the_list_orders_reviews_of_the_same_second():
    approval = review(1, "bruno-k", "APPROVED", hour=9)
    objection = review(2, "bruno-k", "CHANGES_REQUESTED", hour=9)
    assert standing(approval, objection).approving == ()
    assert standing(objection, approval).approving == (approval,)


def test_logins_are_one_reviewer_whatever_their_case():
    approval = review(1, "bruno-k", "APPROVED")
    assert standing(approval, review(2, "Bruno-K", "CHANGES_REQUESTED")).approving == ()


def test_the_author_never_approves_their_own_change_whatever_the_case():
    own = review(1, "Anna-M", "APPROVED")
    assert standing(own) == Approvals(
        (),
        (
            IgnoredReview(
                own, Ignored.AUTHOR, "Anna-M is the author; an author's own approval never counts"
            ),
        ),
    )


def test_a_renamed_author_is_still_the_author_by_github_id():
    renamed = replace(review(1, "anna-renamed", "APPROVED"), user_id=1001)
    found = standing_approvals(
        (renamed,), HEAD, PULL.author, access=BY_ASSOCIATION, makers=NO_MAKERS, author_id=1001
    )
    assert found == Approvals(
        (),
        (
            IgnoredReview(
                renamed,
                Ignored.AUTHOR,
                "anna-renamed is the author; an author's own approval never counts",
            ),
        ),
    )


def test_a_deleted_account_approves_for_nobody():
    ghost = review(1, None, "APPROVED")
    assert standing(ghost) == Approvals(
        (),
        (
            IgnoredReview(
                ghost, Ignored.NOT_A_USER, "the approval of a deleted account is nobody's"
            ),
        ),
    )


def test_reviewers_are_listed_in_the_order_of_their_first_review():
    carla, bruno = review(1, "carla-r", "APPROVED", hour=11), review(2, "bruno-k", "APPROVED")
    assert standing(carla, bruno).approving == (carla, bruno)


DECLARATION = ClientSpec(
    id="10432210",
    name="Muster Holding AG",
    language="de",
    users=(
        UserSpec(id="anna.muster", name="Anna Muster", github="Anna-M", admin="collective"),
        UserSpec(id="bruno.keller", name="Bruno Keller", github="bruno-k", admin="collective"),
        UserSpec(id="erik.nagel", name="Erik Nagel", admin="collective"),
    ),
)


def test_logins_map_to_the_users_declared_at_the_base():
    bruno = review(1, "BRUNO-K", "APPROVED")
    found = client_evidence(PLAN_ID, PULL, standing(bruno), "10432210", DECLARATION)
    assert found == ClientEvidence(
        evidence=Evidence(PLAN_ID, HEAD, "anna.muster", ("bruno.keller",)),
        ignored=(),
        logins={"anna.muster": "Anna-M", "bruno.keller": "bruno-k"},
    )


def test_an_unmapped_reviewer_does_not_count_and_an_unmapped_author_is_a_github_maker():
    erik = review(1, "erik-n", "APPROVED")
    outsider = PullRequest(author="zed-x", head=HEAD, base=OLD)
    found = client_evidence(PLAN_ID, outsider, standing(erik), "10432210", DECLARATION)
    assert found.evidence == Evidence(PLAN_ID, HEAD, "github:zed-x", ())
    assert found.ignored == (
        IgnoredReview(
            erik,
            Ignored.NOT_A_USER,
            "erik-n is the github login of no user of 10432210 at the base f1d2d2f924e9",
        ),
    )


def test_a_relationship_not_declared_at_the_base_maps_nobody():
    bruno = review(1, "bruno-k", "APPROVED")
    found = client_evidence(PLAN_ID, PULL, standing(bruno), "10432210", None)
    assert found.evidence == Evidence(PLAN_ID, HEAD, "github:anna-m", ())
    assert found.ignored == (
        IgnoredReview(
            bruno,
            Ignored.NOT_A_USER,
            "bruno-k cannot count for 10432210: it has no valid declaration at the base main",
        ),
    )
    assert found.logins == {}


def test_what_did_not_count_anywhere_is_reported_for_every_relationship():
    old = review(1, "bruno-k", "APPROVED", OLD)
    found = client_evidence(PLAN_ID, PULL, standing(old), "10432210", DECLARATION)
    assert [i.reason for i in found.ignored] == [Ignored.OLD_COMMIT]
    assert found.ignored[0].to_json() == {
        "review": 1,
        "login": "bruno-k",
        "reason": "old commit",
        "detail": "bruno-k approved f1d2d2f924e9, not the reviewed head 6dcb09b5b578",
    }


def test_the_eligible_are_named_by_login_where_one_is_declared():
    logins = {"anna.muster": "anna-m", "bruno.keller": "bruno-k"}
    shown = eligible_logins(("bruno.keller", "erik.nagel"), logins)
    assert shown == ("bruno-k", "erik.nagel (no github login)")
    assert refusal(
        "10432210", "needs one individual admin or a second collective admin", shown
    ) == (
        "10432210: needs one individual admin or a second collective admin; "
        "eligible: bruno-k, erik.nagel (no github login)"
    )
    assert refusal("10432210", "needs a reviewer who is not the author", ()) == (
        "10432210: needs a reviewer who is not the author; eligible: none"
    )


@pytest.mark.parametrize(
    ("revision", "full", "shown"),
    [
        (HEAD, True, "6dcb09b5b578"),
        ("a" * 64, True, "a" * 12),
        (HEAD[:12], False, HEAD[:12]),
        (HEAD.upper(), False, HEAD.upper()),
        ("origin/main", False, "origin/main"),
    ],
)
def test_full_commit_shas_are_recognised_and_shortened(revision, full, shown):
    assert is_commit_sha(revision) is full
    assert short(revision) == shown


def test_a_review_without_a_time_counts_as_the_earliest_and_never_crashes():
    undated = Review(1, "rico-b", "APPROVED", HEAD, None, association="MEMBER")
    later = review(2, "rico-b", "CHANGES_REQUESTED")
    found = standing(undated, later)
    assert found.approving == ()
    assert [(i.review.id, i.reason) for i in found.ignored] == [(1, Ignored.SUPERSEDED)]


# --- who counts as a checker (issue 8) ---------------------------------------------------

WITH_IDS = replace(
    DECLARATION,
    users=(
        UserSpec(id="anna.muster", name="Anna Muster", github="Anna-M", github_id=1001),
        UserSpec(id="bruno.keller", name="Bruno Keller", github="bruno-k", github_id=1002),
    ),
)


def test_a_recycled_login_is_someone_else_than_the_declared_github_id():
    recycled = replace(review(1, "bruno-k", "APPROVED"), user_id=9999)
    found = client_evidence(PLAN_ID, PULL, standing(recycled), "10432210", WITH_IDS)
    assert found.evidence.approvers == ()
    assert found.ignored == (
        IgnoredReview(
            recycled,
            Ignored.OTHER_ACCOUNT,
            "bruno-k is now GitHub user 9999, not bruno.keller's declared github_id 1002 at the "
            "base main: a freed or reclaimed login is someone else",
        ),
    )


def test_a_login_without_an_id_cannot_be_a_user_declared_with_one():
    unknown = review(1, "bruno-k", "APPROVED")
    found = client_evidence(PLAN_ID, PULL, standing(unknown), "10432210", WITH_IDS)
    assert [i.detail for i in found.ignored] == [
        "bruno-k is now an account GitHub gave no id, not bruno.keller's declared github_id "
        "1002 at the base main: a freed or reclaimed login is someone else"
    ]


def test_a_renamed_account_is_still_its_person_and_so_is_the_author():
    renamed = replace(review(1, "bruno-keller-new", "APPROVED"), user_id=1002)
    pull = replace(PULL, author="anna-renamed", author_id=1001)
    found = client_evidence(PLAN_ID, pull, standing(renamed), "10432210", WITH_IDS)
    assert found.evidence == Evidence(PLAN_ID, HEAD, "anna.muster", ("bruno.keller",))
    assert found.ignored == ()


def test_an_author_on_a_recycled_login_is_nobody_of_the_relationship():
    pull = replace(PULL, author_id=5555)
    found = client_evidence(PLAN_ID, pull, standing(), "10432210", WITH_IDS)
    assert found.evidence.author == "github:anna-m"


@pytest.mark.parametrize(
    ("association", "counts"),
    [
        ("OWNER", True),
        ("MEMBER", True),
        ("COLLABORATOR", True),
        ("CONTRIBUTOR", False),
        ("NONE", False),
        (None, False),
    ],
)
def test_without_permissions_the_association_decides_write_access(association, counts):
    bruno = replace(review(1, "bruno-k", "APPROVED"), association=association)
    found = standing(bruno)
    assert found.approving == ((bruno,) if counts else ())
    if not counts:
        assert found.ignored == (
            IgnoredReview(
                bruno,
                Ignored.NO_WRITE_ACCESS,
                f"bruno-k has no write access to the repository ({association or 'no association'}"
                "; a checker is OWNER, MEMBER, COLLABORATOR)",
            ),
        )


@pytest.mark.parametrize(
    ("permission", "counts"),
    [
        ("admin", True),
        ("maintain", True),
        ("write", True),
        ("triage", False),
        ("read", False),
        (None, False),
    ],
)
def test_with_permissions_only_write_access_counts_whatever_the_association(permission, counts):
    owner = replace(review(1, "bruno-k", "APPROVED"), association="OWNER")
    access = WriteAccess({} if permission is None else {"Bruno-K": permission})
    found = standing(owner, access=access)
    assert found.approving == ((owner,) if counts else ())
    shown = f"permission {permission}" if permission else "no permission on record"
    if not counts:
        assert [i.detail for i in found.ignored] == [
            f"bruno-k has no write access to the repository ({shown})"
        ]


@pytest.mark.parametrize("maker", [Person("Bruno-K"), Person("bruno-old-login", 1002)])
def test_who_authored_or_committed_a_commit_is_a_maker_never_a_checker(maker):
    bruno = replace(review(1, "bruno-k", "APPROVED"), user_id=1002)
    makers = Makers((Person("anna-m", 1001), maker))
    found = standing(bruno, makers=makers)
    assert found == Approvals(
        (),
        (
            IgnoredReview(
                bruno,
                Ignored.MAKER,
                f"bruno-k authored or committed a commit of the pull request ({maker.login}): a "
                "maker never counts as checker",
            ),
        ),
        makers.people,
    )


def test_a_declared_maker_is_no_longer_eligible_there():
    makers = Makers((Person("bruno-k", 1002),))
    found = client_evidence(PLAN_ID, PULL, standing(makers=makers), "10432210", DECLARATION)
    assert found.barred == ("bruno.keller",)
    assert found.eligible(("bruno.keller", "erik.nagel")) == ("erik.nagel",)


def right(user: str, action: Action, before, after, *notes: Note) -> Change:
    address = f"10432210/users/{user}/authorizations/CH56"
    wrap = {"profile": before} if before else None, {"profile": after} if after else None
    return Change(address, action, Resource.AUTHORIZATION, *wrap, notes)


def admin(user: str, before: str, after: str) -> Change:
    address = f"10432210/users/{user}/admin"
    return Change(address, Action.MANUAL, Resource.ADMIN_RIGHT, {"admin": before}, {"admin": after})


def test_the_rights_a_change_raises_are_named_per_user():
    up = Note(NoteKind.RAISE, "read -> sign_individual", {})
    down = Note(NoteKind.LOWER, "sign_individual -> read", {})
    changes = [
        right("bruno.keller", Action.UPDATE, "read", "sign_individual", up),
        right("carla.rossi", Action.UPDATE, "sign_individual", "read", down),
        right("dora.dill", Action.CREATE, None, "read"),
        right("erik.nagel", Action.DELETE, "read", None),
        admin("bruno.keller", "none", "collective"),
        admin("carla.rossi", "individual", "collective"),
        admin("erik.nagel", "collective", "individual"),
        signing_key("carla.rossi", Action.UPDATE),
        signing_key("erik.nagel", Action.DELETE),
    ]
    assert raised_rights(changes) == {
        "bruno.keller": ("CH56: read -> sign_individual", "Admin right: none -> collective"),
        "carla.rossi": ("a new signing key",),  # whoever holds it signs approvals as carla
        "dora.dill": ("CH56: none -> read",),
        "erik.nagel": ("Admin right: collective -> individual",),
    }


def signing_key(user: str, action: Action) -> Change:
    key = {"public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPfMVXPcGdv5XOIgXFUko8UMijZD0PtGsRrS"}
    return Change(
        f"10432210/users/{user}/signing_key",
        action,
        Resource.SIGNING_KEY,
        key,
        None if action is Action.DELETE else key,
    )


def test_a_reviewer_whose_own_rights_the_change_raises_does_not_count_there():
    bruno = review(1, "bruno-k", "APPROVED")
    raised = {"bruno.keller": ("Admin right: collective -> individual",)}
    found = client_evidence(PLAN_ID, PULL, standing(bruno), "10432210", DECLARATION, raised)
    assert found.evidence == Evidence(PLAN_ID, HEAD, "anna.muster", (), barred=("bruno.keller",))
    assert found.ignored == (
        IgnoredReview(
            bruno,
            Ignored.RAISES_OWN,
            "bruno-k is bruno.keller, whose own rights this change raises in 10432210 (Admin "
            "right: collective -> individual): a checker must be beyond any peer",
        ),
    )


def test_every_right_the_change_raises_for_a_reviewer_is_named():
    bruno = review(1, "bruno-k", "APPROVED")
    raised = {"bruno.keller": ("CH56: read -> sign_individual", "a new signing key")}
    found = client_evidence(PLAN_ID, PULL, standing(bruno), "10432210", DECLARATION, raised)
    assert [i.detail for i in found.ignored] == [
        "bruno-k is bruno.keller, whose own rights this change raises in 10432210 (CH56: read ->"
        " sign_individual; a new signing key): a checker must be beyond any peer"
    ]


def test_a_maker_under_a_new_login_is_barred_as_the_user_of_their_github_id():
    makers = Makers((Person("bruno-renamed", 1002),))
    found = client_evidence(PLAN_ID, PULL, standing(makers=makers), "10432210", WITH_IDS)
    assert found.barred == ("bruno.keller",)


def test_a_deleted_account_is_no_maker_and_has_no_write_access():
    deleted = review(1, None, "APPROVED")
    assert Makers((Person("anna-m", 1001),)).includes(deleted) is None
    assert WriteAccess({"anna-m": "write"}).refusal(deleted) == (
        "a deleted account has no write access to the repository (no permission on record)"
    )
    assert WriteAccess().refusal(replace(deleted, association=None)) == (
        "a deleted account has no write access to the repository (no association; a checker"
        " is OWNER, MEMBER, COLLABORATOR)"
    )


def test_a_deleted_account_of_the_author_by_github_id_is_still_the_author():
    deleted = replace(review(1, None, "APPROVED"), user_id=1001)
    found = standing_approvals((deleted,), HEAD, "anna-m", access=BY_ASSOCIATION, author_id=1001)
    assert found.ignored == (
        IgnoredReview(
            deleted,
            Ignored.AUTHOR,
            "a deleted account is the author; an author's own approval never counts",
        ),
    )
