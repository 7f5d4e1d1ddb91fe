"""judge: the four-eyes rule over an author, approvers and the relationship's admins."""

from __future__ import annotations

import pytest
from four_eyes_cases import PEOPLE, REVIEWER, each_case

from reconcile.dualcontrol import (
    RULE,
    Admin,
    Evidence,
    Verdict,
    admins_of,
    judge,
    raised_rights,
    rule_for,
)
from reconcile.model import AdminRight, ClientState, UserState
from reconcile.plan import Action, Change, Resource, TierVerdict

ANNA = Admin("anna.muster", "anna-m", "collective")
BRUNO = Admin("bruno.keller", "bkeller", "collective")
CARLA = Admin("carla.rossi", None, "individual")
ADMINS = (ANNA, BRUNO, CARLA)
PLAN = "sha256:" + "0" * 64


def verdict(author: str, *approvers: str) -> Verdict:
    return judge(Evidence("sha256:" + "0" * 64, "abc123", author, approvers), ADMINS)


def test_the_rule_in_words():
    assert (
        RULE
        == "one individual admin or two collective admins, plus a reviewer who is not the author"
    )


@pytest.mark.parametrize("case", each_case())
def test_four_eyes_rule(case):
    admins = [Admin(who, None, right) for who, right in PEOPLE.items() if right != AdminRight.NONE]
    result = judge(Evidence("sha256:" + "0" * 64, None, case.maker, case.checkers), admins)
    assert (result.satisfied, result.missing) == (
        case.needs is None,
        "" if case.needs is None else f"needs {case.needs}",
    )


def test_the_rule_words_the_reviewer_as_a_refusal_does():
    assert RULE.endswith(f", plus {REVIEWER}")


def test_admins_of_lists_the_banks_admins_in_bank_order():
    def user(uid: str, admin: str, github: str | None = None) -> UserState:
        return UserState(uid, uid, None, "de", github, admin, {})

    state = ClientState(
        "10432210",
        "Muster Holding AG",
        "de",
        1,
        users=(
            user("zora.zahn", "individual"),
            user("anna.muster", "collective", "anna-m"),
            user("dora.dill", "none"),
        ),
    )
    assert admins_of(state) == (
        Admin("zora.zahn", None, "individual"),
        Admin("anna.muster", "anna-m", "collective"),
    )


def test_self_approval_never_counts():
    assert verdict("carla.rossi", "carla.rossi") == Verdict(
        satisfied=False,
        reason="no approval from anyone but the author; admins counted: carla.rossi "
        "(individual, author); the author's own approval does not count",
        counted=(CARLA,),
        missing="needs a reviewer who is not the author",
        eligible=("anna.muster", "bruno.keller"),
    )


def test_one_collective_admin_alone_is_not_enough():
    assert verdict("anna.muster", "dora.dill") == Verdict(
        satisfied=False,
        reason="approved by dora.dill; admins counted: anna.muster (collective, author)",
        counted=(ANNA,),
        missing="needs one individual admin or a second collective admin",
        eligible=("bruno.keller", "carla.rossi"),
    )


def test_one_collective_admin_without_a_reviewer_needs_both():
    assert verdict("anna.muster").missing == (
        "needs a reviewer who is not the author and "
        "one individual admin or a second collective admin"
    )


def test_two_collective_admins_satisfy_the_rule():
    assert verdict("anna.muster", "bruno.keller") == Verdict(
        satisfied=True,
        reason="approved by bruno.keller; admins counted: anna.muster (collective, author), "
        "bruno.keller (collective)",
        counted=(ANNA, BRUNO),
        missing="",
        eligible=(),
    )


def test_one_individual_admin_as_author_with_any_reviewer_satisfies_the_rule():
    result = verdict("carla.rossi", "dora.dill")
    assert (result.satisfied, result.counted, result.missing) == (True, (CARLA,), "")
    assert result.reason == (
        "approved by dora.dill; admins counted: carla.rossi (individual, author)"
    )


def test_one_individual_admin_as_reviewer_satisfies_the_rule():
    result = verdict("dora.dill", "carla.rossi")
    assert (result.satisfied, result.counted) == (True, (CARLA,))


def test_approvers_who_are_no_admins_count_only_as_reviewers():
    assert verdict("dora.dill", "emil.egger", "fritz.frei") == Verdict(
        satisfied=False,
        reason="approved by emil.egger, fritz.frei; no admin among the author and the approvers",
        counted=(),
        missing="needs one individual admin or two collective admins",
        eligible=("anna.muster", "bruno.keller", "carla.rossi"),
    )


def test_an_approver_counts_once_however_often_they_approve():
    result = verdict("dora.dill", "anna.muster", "anna.muster")
    assert result.counted == (ANNA,)
    assert result.missing == "needs one individual admin or a second collective admin"
    assert result.reason == "approved by anna.muster; admins counted: anna.muster (collective)"


@pytest.mark.parametrize("author", [admin.user for admin in ADMINS])
def test_the_author_is_never_eligible(author):
    assert verdict(author).eligible == tuple(a.user for a in ADMINS if a.user != author)


def test_the_rule_in_words_names_the_reviewers_a_tier_asks_for():
    assert (rule_for(1), rule_for(0)) == (RULE, RULE)
    assert rule_for(3) == (
        "one individual admin or two collective admins, plus 3 reviewers who are not the author"
    )


TIER_2 = TierVerdict(2, 2, ())
USERS = ("anna.muster", "bruno.keller", "carla.rossi", "dora.dill", "emil.egger")


def test_a_tier_counts_reviewers_and_anyone_of_the_relationship_may_give_one_more():
    evidence = Evidence(PLAN, None, "dora.dill", ("carla.rossi",), barred=("emil.egger",))
    assert judge(evidence, ADMINS, TIER_2, USERS) == Verdict(
        satisfied=False,
        reason="approved by carla.rossi; admins counted: carla.rossi (individual)",
        counted=(CARLA,),
        missing="needs 2 reviewers who are not the author for risk tier 2, has 1",
        eligible=("anna.muster", "bruno.keller"),
    )
    two = Evidence(PLAN, None, "dora.dill", ("carla.rossi", "emil.egger"))
    assert judge(two, ADMINS, TIER_2, USERS).satisfied


def test_a_tier_short_of_reviewers_and_admins_asks_the_admins():
    evidence = Evidence(PLAN, None, "dora.dill", ("emil.egger",))
    verdict = judge(evidence, ADMINS, TIER_2, USERS)
    assert (verdict.missing, verdict.eligible) == (
        "needs 2 reviewers who are not the author for risk tier 2, has 1 and one individual"
        " admin or two collective admins",
        ("anna.muster", "bruno.keller", "carla.rossi"),
    )


@pytest.mark.parametrize(
    ("outsiders", "said"),
    [
        (("github:zed",), "approved only by github:zed, who is no user of this relationship"),
        (
            ("github:zed", "github:yul"),
            "approved only by github:zed, github:yul, who are no users of this relationship",
        ),
    ],
)
def test_approvals_of_outsiders_are_named_as_not_counting(outsiders, said):
    evidence = Evidence(PLAN, None, "dora.dill", (), outsiders, ("bruno-k's review is stale",))
    assert judge(evidence, ADMINS).reason == (
        f"{said}; no admin among the author and the approvers; bruno-k's review is stale"
    )


def test_an_admin_right_given_with_a_new_user_is_raised_from_none():
    change = Change(
        "10432210/users/emil/admin",
        Action.CREATE,
        Resource.ADMIN_RIGHT,
        None,
        {"admin": "collective"},
    )
    assert raised_rights([change]) == {"emil": ("Admin right: none -> collective",)}
