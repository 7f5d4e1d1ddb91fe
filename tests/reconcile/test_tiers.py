"""Risk tiers: which change each rule of the catalog's policy catches, and which it lets pass."""

from __future__ import annotations

import pytest

from reconcile.plan import Action, Change, Note, NoteKind, Resource, TierReason
from reconcile.tiers import POLICY_HINT, RiskTier, TierRule, Trigger, classify, parse_tiers

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
    assert tier_of(rule, NEW_USER, new)[2] == (
        TierReason(
            "new user with sign_collective", new.address, "emil (new): CH01 sign_collective"
        ),
    )
    assert tier_of(rule, new) is None  # emil exists at the bank: no new user
    assert tier_of(rule, NEW_USER, right("emil", "CH01", None, "read")) is None


def test_every_admin_right_change_is_in_the_tier():
    (reason,) = tier_of(TierRule(Trigger.ADMIN_RIGHT), ADMIN)[2]
    assert reason == TierReason(
        "Admin-right change", ADMIN.address, "anna: Admin right none -> collective"
    )
    assert tier_of(TierRule(Trigger.ADMIN_RIGHT), NEW_USER) is None


@pytest.mark.parametrize(
    ("before", "after", "text"),
    [
        (None, {"admin": "individual"}, "anna: Admin right none -> individual"),
        ({"admin": "collective"}, None, "anna: Admin right collective -> none"),
    ],
)
def test_an_admin_right_that_begins_or_ends_is_named_from_or_to_none(before, after, text):
    change = Change(ADMIN.address, Action.MANUAL, Resource.ADMIN_RIGHT, before, after)
    assert [r.text for r in tier_of(TierRule(Trigger.ADMIN_RIGHT), change)[2]] == [text]


def test_a_new_key_or_a_key_moved_to_another_user_is_in_the_tier_a_renewal_is_not():
    rule = TierRule(Trigger.NEW_API_KEY)
    assert tier_of(rule, key(None, "anna"))[2] == (
        TierReason("new API key", f"{CLIENT}/api_keys/erp", "erp for anna"),
    )
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


def test_an_existing_user_whose_fields_change_is_no_new_user():
    rule = TierRule(Trigger.NEW_USER_WITH, ("sign_collective",))
    renamed = Change(f"{CLIENT}/users/emil", Action.UPDATE, Resource.USER, {"name": "E"}, {})
    assert tier_of(rule, renamed, right("emil", "CH01", None, "sign_collective")) is None


def test_a_raise_on_a_contract_of_no_known_type_names_no_type():
    rule = TierRule(Trigger.RAISE_TO, ("sign_individual",))
    (reason,) = tier_of(rule, right("anna", "XX01", None, "sign_individual"))[2]
    assert reason.text == "anna: XX01 () none -> sign_individual"
    assert tier_of(RAISE_ON_ACCOUNTS, right("anna", "XX01", None, "sign_individual")) is None


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        (TierRule(Trigger.RAISE_TO, ("sign_individual",)), "raise to sign_individual"),
        (
            TierRule(Trigger.RAISE_TO, ("sign_individual", "capture"), ("account", "deposit")),
            "raise to sign_individual or capture on account or deposit",
        ),
        (
            TierRule(Trigger.NEW_USER_WITH, ("sign_individual", "sign_collective")),
            "new user with sign_individual or sign_collective",
        ),
        (TierRule(Trigger.ADMIN_RIGHT), "Admin-right change"),
        (TierRule(Trigger.NEW_API_KEY), "new API key"),
        (TierRule(Trigger.CHANGES_OVER, over=20), "more than 20 changes"),
    ],
)
def test_each_rule_is_named_in_words(rule, words):
    assert rule.words() == words


# --- the policy as the catalog writes it ------------------------------------------------------

PROFILES = ("sign_individual", "sign_collective", "capture", "read", "none")


def problems(data) -> list[tuple]:
    _, found = parse_tiers(data, PROFILES, ("account", "deposit"))
    return [(d.code, d.message, d.pointer, d.hint) for d in found]


def tier(number=2, extra=1, *rules, **more) -> dict:
    return {"tier": number, "extra_checkers": extra, "when": list(rules) or [ADMIN_RULE], **more}


ADMIN_RULE = {"admin_right": True}
AT = ("risk_tiers", 0)
W0 = (*AT, "when", 0)


def test_a_policy_is_read_into_tiers_lowest_first_with_their_rules():
    data = [
        tier(3, 2, {"raise_to": ["sign_individual", "capture"], "contract_types": "account"}),
        tier(1, 1, {"new_user_with": "sign_collective"}, {"new_api_key": True}),
        tier(2, 2, {"changes_over": 5}, ADMIN_RULE),
    ]
    assert parse_tiers(data, PROFILES, ("account", "deposit")) == (
        (
            RiskTier(
                1,
                1,
                (
                    TierRule(Trigger.NEW_USER_WITH, ("sign_collective",)),
                    TierRule(Trigger.NEW_API_KEY),
                ),
            ),
            RiskTier(2, 2, (TierRule(Trigger.CHANGES_OVER, over=5), TierRule(Trigger.ADMIN_RIGHT))),
            RiskTier(
                3, 2, (TierRule(Trigger.RAISE_TO, ("sign_individual", "capture"), ("account",)),)
            ),
        ),
        [],
    )
    assert parse_tiers(None, PROFILES, ()) == ((), [])


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (None, "empty"),
        (True, "true or false"),
        (2.0, "a number"),
        ("2", "a string"),
        ([2], "a list"),
        ({"n": 2}, "a mapping"),
    ],
)
def test_a_value_of_the_wrong_type_is_named_by_its_kind(value, kind):
    assert problems([tier(value)]) == [
        ("EF012", f"risk_tiers[0].tier must be a whole number, not {kind}", (*AT, "tier"), None)
    ]


@pytest.mark.parametrize(
    ("data", "found"),
    [
        ("tiers", [("EF012", "risk_tiers must be a list of tiers, not a string", ("risk_tiers",))]),
        ([7], [("EF012", "risk_tiers[0] must be a mapping, not a number", AT)]),
        (
            [{}],
            [
                ("EF011", "risk_tiers[0] lacks 'tier'", AT),
                ("EF011", "risk_tiers[0] lacks 'extra_checkers'", AT),
                ("EF011", "risk_tiers[0] lacks 'when'", AT),
            ],
        ),
        ([tier(when={"admin_right": True})], [
            ("EF012", "risk_tiers[0].when must be a list of rules, not a mapping", (*AT, "when")),
        ]),
    ],
)  # fmt: skip
def test_a_tier_that_is_no_tier_is_refused_with_the_example(data, found):
    assert problems(data) == [(*problem, POLICY_HINT) for problem in found]


def test_a_rule_that_is_no_mapping_is_named_by_its_kind():
    assert problems([tier(2, 1, "admin_right")]) == [
        ("EF012", "risk_tiers[0].when[0] must be a mapping, not a string", W0, POLICY_HINT)
    ]


def test_every_problem_of_a_policy_is_reported_at_once():
    data = [
        {"tier": 0, "extra_checkers": 0, "when": [], "checkers": 2},
        tier(2, 1, None, {"admin_right": True, "new_api_key": True}, {"contract_types": []}),
        tier(3, 1, {"new_api_key": True, "contract_types": ["account"]}, {"changes_over": -1}),
        tier(4, 1, {"raise_to": ["read", 2]}, {"new_user_with": "none"}),
        tier(5, 1, {"raise_to": ["read", "sign_all"], "contract_types": ["deposit", "acount"]}),
    ]
    assert problems(data) == [
        ("EF010", "unknown key 'checkers' in risk_tiers[0]", (*AT, "checkers"),
         "allowed keys: tier, extra_checkers, when"),
        ("EF013", "risk_tiers[0].tier must be 1 or more, not 0", (*AT, "tier"), None),
        ("EF013", "risk_tiers[0].extra_checkers must be 1 or more, not 0",
         (*AT, "extra_checkers"), None),
        ("EF013", "risk_tiers[0].when lists no rule", (*AT, "when"),
         f"a list of rules: {POLICY_HINT}"),
        ("EF012", "risk_tiers[1].when[0] must be a mapping, not empty",
         ("risk_tiers", 1, "when", 0), POLICY_HINT),
        ("EF013", "risk_tiers[1].when[1] must name exactly one of raise_to, new_user_with, "
         "admin_right, new_api_key, changes_over (it names 2: admin_right, new_api_key)",
         ("risk_tiers", 1, "when", 1), "write one rule per entry of `when`"),
        ("EF013", "risk_tiers[1].when[2] must name exactly one of raise_to, new_user_with, "
         "admin_right, new_api_key, changes_over (it names none)",
         ("risk_tiers", 1, "when", 2), "write one rule per entry of `when`"),
        ("EF010", "contract_types goes with raise_to, not with new_api_key (risk_tiers[2].when[0])",
         ("risk_tiers", 2, "when", 0, "contract_types"), None),
        ("EF013", "risk_tiers[2].when[1].changes_over must be 0 or more, not -1",
         ("risk_tiers", 2, "when", 1, "changes_over"), None),
        ("EF012", "risk_tiers[3].when[0].raise_to must be a name or a list of names, not a list",
         ("risk_tiers", 3, "when", 0, "raise_to"), None),
        ("EF014", "unknown profile 'none' in risk_tiers[3].when[1].new_user_with",
         ("risk_tiers", 3, "when", 1, "new_user_with"),
         "allowed: sign_individual, sign_collective, capture, read"),
        ("EF014", "unknown profile 'sign_all' in risk_tiers[4].when[0].raise_to",
         ("risk_tiers", 4, "when", 0, "raise_to", 1),
         "allowed: sign_individual, sign_collective, capture, read"),
        ("EF103", "unknown contract type 'acount' in risk_tiers[4].when[0].contract_types",
         ("risk_tiers", 4, "when", 0, "contract_types", 1), "allowed: account, deposit"),
    ]  # fmt: skip
    assert parse_tiers(data, PROFILES, ("account", "deposit"))[0] == ()  # each tier has one


@pytest.mark.parametrize("value", [1, "yes", False])
def test_a_rule_without_a_list_says_it_must_be_true(value):
    assert problems([tier(2, 1, {"new_api_key": value})]) == [
        (
            "EF013",
            f"risk_tiers[0].when[0].new_api_key must be true, not {value!r}",
            (*W0, "new_api_key"),
            "new_api_key: true puts every such change in the tier",
        )
    ]


def test_an_unknown_key_of_a_rule_is_reported_and_the_rule_still_read():
    data = [tier(2, 1, {"admin_right": True, "typo": 1})]
    assert parse_tiers(data, PROFILES, ())[0] == (RiskTier(2, 1, (TierRule(Trigger.ADMIN_RIGHT),)),)
    assert problems(data) == [
        (
            "EF010",
            "unknown key 'typo' in risk_tiers[0].when[0]",
            (*W0, "typo"),
            "allowed keys: raise_to, new_user_with, admin_right, new_api_key, changes_over,"
            " contract_types",
        )
    ]


def test_tiers_must_have_their_own_numbers_and_rising_checkers():
    data = [tier(3, 2), tier(2, 3), tier(2, 1), tier(4, 3), tier(1, 3)]
    assert problems(data) == [
        ("EF013", "risk_tiers[2]: tier 2 is also risk_tiers[1]", ("risk_tiers", 2, "tier"),
         "give each tier its own number"),
        ("EF013", "risk_tiers[0]: tier 3 asks for 2 extra checker(s), fewer than tier 2 (3)",
         ("risk_tiers", 0, "extra_checkers"),
         "a higher tier needs at least as many checkers as every lower one"),
    ]  # fmt: skip
    assert problems([tier(1, 2), tier(2, 2)]) == []  # as many as the tier below is enough


def test_a_tier_numbered_twice_is_compared_with_the_tiers_below_only():
    assert problems([tier(2, 1), tier(2, 3)]) == [
        ("EF013", "risk_tiers[1]: tier 2 is also risk_tiers[0]", ("risk_tiers", 1, "tier"),
         "give each tier its own number"),
    ]  # fmt: skip


def test_a_tier_with_any_problem_is_left_out():
    data = [tier(2, 1, {"changes_over": -1}), tier(3, 1, {"changes_over": 0})]
    tiers, found = parse_tiers(data, PROFILES, ())
    assert (tiers, [d.message for d in found]) == (
        (RiskTier(3, 1, (TierRule(Trigger.CHANGES_OVER, over=0),)),),
        ["risk_tiers[0].when[0].changes_over must be 0 or more, not -1"],
    )
