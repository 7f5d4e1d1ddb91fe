"""Risk tiers: which change each rule of the catalog's policy catches, and which it lets pass."""

from __future__ import annotations

import pytest

from reconcile.plan import Action, Change, Note, NoteKind, Resource
from reconcile.tiers import RiskTier, TierRule, Trigger, classify

CLIENT = "10432210"
TYPES = {"CH01": "account", "DP01": "deposit"}


def right(user, contract, before, after, *kinds, action=None):
    notes = tuple(Note(kind, "", {}) for kind in kinds)
    action = action or (Action.CREATE if before is None else Action.UPDATE)
    return Change(
        f"{CLIENT}/users/{user}/authorizations/{contract}",
        action,
        Resource.AUTHORIZATION,
        None if before is None else {"profile": before},
        {"profile": after},
        notes,
    )


NEW_USER = Change(f"{CLIENT}/users/emil", Action.CREATE, Resource.USER, None, {"name": "Emil"})
ADMIN = Change(
    f"{CLIENT}/users/anna/admin",
    Action.MANUAL,
    Resource.ADMIN_RIGHT,
    {"admin": "none"},
    {"admin": "collective"},
)


def key(before_user, after_user):
    return Change(
        f"{CLIENT}/api_keys/erp",
        Action.CREATE if before_user is None else Action.UPDATE,
        Resource.API_KEY,
        None if before_user is None else {"user": before_user},
        {"user": after_user},
    )


def tier_of(rule: TierRule, *changes: Change):
    verdict = classify(changes, (RiskTier(2, 1, (rule,)),), TYPES)
    return None if verdict is None else (verdict.tier, verdict.checkers, verdict.reasons)


RAISE_ON_ACCOUNTS = TierRule(Trigger.RAISE_TO, ("sign_individual",), ("account",))


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ((right("anna", "CH01", "read", "sign_individual", NoteKind.RAISE),),
         "anna: CH01 (account) read -> sign_individual"),
        ((right("anna", "CH01", None, "sign_individual"),),
         "anna: CH01 (account) none -> sign_individual"),
    ],
)  # fmt: skip
def test_a_raise_to_the_profile_on_the_contract_type_is_in_the_tier(changes, text):
    (reason,) = tier_of(RAISE_ON_ACCOUNTS, *changes)[2]
    assert (reason.rule, reason.text) == ("raise to sign_individual on account", text)
    assert reason.address == changes[0].address


@pytest.mark.parametrize(
    "change",
    [
        right("anna", "DP01", "read", "sign_individual", NoteKind.RAISE),  # not an account
        right("anna", "CH01", "read", "sign_collective", NoteKind.RAISE),  # another profile
        right("anna", "CH01", "admin_x", "sign_individual", NoteKind.LOWER),  # not a raise
        right("anna", "CH01", "sign_individual", "sign_individual", NoteKind.FIELDS),
    ],
)
def test_other_rights_changes_are_in_no_tier(change):
    assert tier_of(RAISE_ON_ACCOUNTS, change) is None


def test_a_raise_rule_without_contract_types_holds_on_every_type():
    rule = TierRule(Trigger.RAISE_TO, ("sign_individual",))
    change = right("anna", "DP01", "read", "sign_individual", NoteKind.UNRANKED)
    assert tier_of(rule, change)[:2] == (2, 2)


def test_a_new_user_with_a_signing_profile_is_in_the_tier_an_existing_one_is_not():
    rule = TierRule(Trigger.NEW_USER_WITH, ("sign_collective",))
    new = right("emil", "CH01", None, "sign_collective")
    assert [r.text for r in tier_of(rule, NEW_USER, new)[2]] == ["emil (new): CH01 sign_collective"]
    assert tier_of(rule, new) is None  # emil exists at the bank: no new user
    assert tier_of(rule, NEW_USER, right("emil", "CH01", None, "read")) is None


def test_every_admin_right_change_is_in_the_tier():
    (reason,) = tier_of(TierRule(Trigger.ADMIN_RIGHT), ADMIN)[2]
    assert reason.text == "anna: Admin right none -> collective"
    assert tier_of(TierRule(Trigger.ADMIN_RIGHT), NEW_USER) is None


def test_a_new_key_or_a_key_moved_to_another_user_is_in_the_tier_a_renewal_is_not():
    rule = TierRule(Trigger.NEW_API_KEY)
    assert [r.text for r in tier_of(rule, key(None, "anna"))[2]] == ["erp for anna"]
    assert [r.text for r in tier_of(rule, key("bruno", "anna"))[2]] == ["erp for anna"]
    assert tier_of(rule, key("anna", "anna")) is None


def test_more_than_n_changes_is_in_the_tier_n_is_not():
    rule = TierRule(Trigger.CHANGES_OVER, over=2)
    assert tier_of(rule, NEW_USER, ADMIN) is None
    (reason,) = tier_of(rule, NEW_USER, ADMIN, key(None, "anna"))[2]
    assert (reason.rule, reason.address, reason.text) == (
        "more than 2 changes",
        None,
        "3 changes in the relationship",
    )


def test_the_highest_tier_a_change_falls_in_is_the_relationships():
    tiers = (
        RiskTier(1, 1, (TierRule(Trigger.ADMIN_RIGHT),)),
        RiskTier(3, 2, (TierRule(Trigger.NEW_API_KEY),)),
    )
    verdict = classify((ADMIN, key(None, "anna")), tiers, TYPES)
    assert (verdict.tier, verdict.checkers) == (3, 3)
    assert [r.rule for r in verdict.reasons] == ["new API key"]
    assert classify((ADMIN,), tiers, TYPES).tier == 1
    assert classify((NEW_USER,), tiers, TYPES) is None
