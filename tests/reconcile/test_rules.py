"""final_state_rules: lockout, mass removal and impossible approval, with exact messages."""

from __future__ import annotations

from dataclasses import replace

from reconcile.diagnostics import Diagnostic, Severity
from reconcile.model import ClientState, UserState
from reconcile.plan import Action, Change, Note, NoteKind, Resource
from reconcile.rules import final_state_rules

CLIENT = "10432210"
LOCKOUT_HINT = (
    "keep enough admins, or have the bank give another user the Admin right first "
    "(the signed form; a manual change in this plan counts only once the bank shows it)"
)


def bank(*admins: tuple[str, str], others: int = 0) -> ClientState:
    """A relationship with the given (user, admin right) users plus ``others`` plain users."""
    users = [UserState(uid, uid, None, "de", None, admin, {}) for uid, admin in admins]
    users += [UserState(f"user{i:02}", "U", None, "de", None, "none", {}) for i in range(others)]
    return ClientState(CLIENT, "Muster Holding AG", "de", 41, users=tuple(users))


def deleting(*users: str) -> list[Change]:
    """User deletes as the diff makes them, each followed by a right delete (not counted)."""
    changes = []
    for user in users:
        address = f"{CLIENT}/users/{user}"
        changes.append(Change(address, Action.DELETE, Resource.USER, {"name": user}, None))
        changes.append(
            Change(
                f"{address}/authorizations/CH56",
                Action.DELETE,
                Resource.AUTHORIZATION,
                {"profile": "read"},
                None,
            )
        )
    return changes


def rules(state: ClientState, changes: list[Change], allow: bool = False) -> list[Diagnostic]:
    """Lockout and mass removal; EF303 (approval impossible) has its own tests at the end."""
    found = final_state_rules(state, changes, allow_mass_removal=allow)
    return [d for d in found if d.code != "EF303"]


TWO_COLLECTIVE_ONE_INDIVIDUAL = bank(
    ("anna.muster", "collective"),
    ("bruno.keller", "collective"),
    ("carla.rossi", "individual"),
    others=9,
)


def test_deleting_an_admin_who_is_not_needed_is_fine():
    assert rules(TWO_COLLECTIVE_ONE_INDIVIDUAL, deleting("anna.muster")) == []


def test_deleting_the_individual_admin_and_one_collective_admin_locks_out():
    assert rules(TWO_COLLECTIVE_ONE_INDIVIDUAL, deleting("carla.rossi", "anna.muster")) == [
        Diagnostic(
            "EF301",
            Severity.ERROR,
            "client 10432210: deleting anna.muster (collective admin) and carla.rossi "
            "(individual admin) leaves only bruno.keller (collective admin); the relationship "
            "needs one individual admin or two collective admins to administer it",
            LOCKOUT_HINT,
        )
    ]


def test_three_admins_deleted_are_listed_with_commas_and_a_final_and():
    state = bank(*((uid, "collective") for uid in ("ada", "ben", "cleo", "dan")), others=12)
    [problem] = rules(state, deleting("ada", "ben", "cleo"))
    assert problem.message == (
        "client 10432210: deleting ada (collective admin), ben (collective admin) and cleo "
        "(collective admin) leaves only dan (collective admin); the relationship needs one "
        "individual admin or two collective admins to administer it"
    )


def test_deleting_every_admin_leaves_no_admin():
    state = bank(("carla.rossi", "individual"), others=9)
    [problem] = rules(state, deleting("carla.rossi"))
    assert problem.message == (
        "client 10432210: deleting carla.rossi (individual admin) leaves no admin; the "
        "relationship needs one individual admin or two collective admins to administer it"
    )


def test_deleting_a_plain_user_never_locks_out_even_a_relationship_already_short_of_admins():
    state = bank(("anna.muster", "collective"), others=9)
    assert rules(state, deleting("user00")) == []


def test_manual_admin_changes_do_not_count_until_the_bank_shows_them():
    grant = Change(
        f"{CLIENT}/users/user00/admin",
        Action.MANUAL,
        Resource.ADMIN_RIGHT,
        {"admin": "none"},
        {"admin": "individual"},
    )
    state = bank(("carla.rossi", "individual"), others=9)
    [problem] = rules(state, [grant, *deleting("carla.rossi")])
    assert problem.code == "EF301"


def test_deleting_a_quarter_of_the_users_is_allowed():
    assert rules(bank(others=8), deleting("user00", "user01")) == []


def test_deleting_one_user_is_no_mass_removal_however_small_the_relationship():
    assert rules(bank(others=2), deleting("user00")) == []
    [problem] = rules(bank(others=3), deleting("user00", "user01"))
    assert problem.message == (
        "client 10432210: the plan deletes 2 of the relationship's 3 users, more than 25 %"
    )


def test_deleting_more_than_a_quarter_of_the_users_is_an_error():
    assert rules(bank(others=8), deleting("user00", "user01", "user02")) == [
        Diagnostic(
            "EF302",
            Severity.ERROR,
            "client 10432210: the plan deletes 3 of the relationship's 8 users, more than 25 %",
            "plan with --allow-mass-removal if this is intended",
        )
    ]


def test_the_flag_turns_mass_removal_into_a_warning():
    assert rules(bank(others=8), deleting("user00", "user01", "user02"), allow=True) == [
        Diagnostic(
            "EF302",
            Severity.WARNING,
            "client 10432210: the plan deletes 3 of the relationship's 8 users, more than 25 %; "
            "allowed by --allow-mass-removal",
        )
    ]


def test_users_whose_until_has_come_are_no_mass_removal_but_count_for_the_lockout():
    expired = Note(NoteKind.EXPIRED, "expired on 2026-11-19", {"on": "2026-11-19", "entry": "user"})
    gone = [replace(c, notes=(expired,)) for c in deleting("user00", "user01", "user02")]
    assert rules(bank(others=8), gone) == []
    assert [p.code for p in rules(bank(others=8), [*gone, *deleting("user03")])] == []
    assert [
        p.code for p in rules(bank(others=8), [*gone[:2], *deleting("user03", "user04", "user05")])
    ] == ["EF302"]
    locked = [replace(c, notes=(expired,)) for c in deleting("carla.rossi")]
    assert [p.code for p in rules(bank(("carla.rossi", "individual"), others=1), locked)] == [
        "EF301"
    ]


def test_lockout_comes_before_mass_removal():
    state = bank(("carla.rossi", "individual"))
    codes = [p.code for p in rules(state, deleting("carla.rossi"))]
    assert codes == ["EF301", "EF302"]


def test_a_relationship_of_one_user_names_the_user_in_the_singular():
    [problem] = rules(bank(others=1), deleting("user00"))
    assert problem.message == (
        "client 10432210: the plan deletes 1 of the relationship's 1 user, more than 25 %"
    )


EF303_HINT = (
    "the bank gives the Admin right only on its signed paper form; have it processed first, "
    "or the changes stay unapplied"
)


def test_a_relationship_whose_admins_cannot_approve_is_warned_at_plan_time():
    one_collective = bank(("anna.muster", "collective"), others=3)
    assert final_state_rules(one_collective, deleting("user00"), allow_mass_removal=False) == [
        Diagnostic(
            "EF303",
            Severity.WARNING,
            f"client {CLIENT}: no approval can satisfy four eyes for this plan: the bank's admins"
            " are anna.muster (collective admin), and it needs one individual admin or two"
            " collective admins",
            EF303_HINT,
        )
    ]
    nobody = bank(others=4)
    (problem,) = final_state_rules(nobody, deleting("user00"), allow_mass_removal=False)
    assert problem.message.endswith(
        "the bank's admins are nobody, and it needs one individual admin or two collective admins"
    )


def test_enough_admins_or_only_manual_changes_give_no_approval_warning():
    assert (
        final_state_rules(
            TWO_COLLECTIVE_ONE_INDIVIDUAL, deleting("user00"), allow_mass_removal=False
        )
        == []
    )
    manual = Change(
        f"{CLIENT}/users/user00/admin",
        Action.MANUAL,
        Resource.ADMIN_RIGHT,
        {"admin": "none"},
        {"admin": "individual"},
    )
    assert final_state_rules(bank(others=4), [manual], allow_mass_removal=False) == []
