"""plan_client and assemble: the changes, the approval, the rules and the options of a plan."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reconcile.diagnostics import Diagnostic, Severity, error
from reconcile.dualcontrol import RULE, rule_for
from reconcile.model import ClientState, Contract, UserState
from reconcile.plan import (
    Action,
    Approval,
    Change,
    ClientPlan,
    EligibleAdmin,
    Plan,
    Resource,
    TierReason,
    TierVerdict,
)
from reconcile.planner import assemble, plan_client
from reconcile.resolve import resolve_client
from reconcile.tiers import RiskTier, TierRule, Trigger

CHF = "CH5604835012345678009"


def bank(client: str, *users: UserState) -> ClientState:
    return ClientState(
        client,
        f"Relationship {client}",
        "de",
        41,
        contracts=(Contract(CHF, "account", "Geschäftskonto CHF"),),
        users=users,
    )


def user(uid: str, admin: str = "none") -> UserState:
    return UserState(uid, uid, None, "de", None, admin, {CHF: "read"})


@pytest.fixture
def plan(declare, catalog):
    def run(state: ClientState, *declared: str, **options):
        """Declare the named users as the bank has them (name, admin, read on the account);
        OPTIONS as plan_client takes them (none given: its defaults)."""
        admin = {u.id: u.admin for u in state.users}
        users = [
            f"{{id: {u}, name: {u}, admin: {admin[u]}, authorizations: {{all: {{account: read}}}}}}"
            for u in declared
        ]
        spec = declare(f"users: [{', '.join(users)}]")
        resolution = resolve_client(spec, state.contracts, catalog)
        return plan_client(spec, resolution, state, catalog, {}, **options)

    return run


def test_a_client_plan_carries_the_banks_serial_and_its_admins_as_eligible(plan):
    state = bank("10432210", user("anna", "collective"), user("bruno"), user("carla", "individual"))
    client_plan, problems = plan(state, "anna", "bruno", "carla")
    assert client_plan == ClientPlan(
        client="10432210",
        name="Relationship 10432210",
        serial=41,
        changes=(),
        approval=Approval(RULE, (EligibleAdmin("anna", None), EligibleAdmin("carla", None))),
    )
    assert problems == []


def test_the_rules_judge_the_planned_deletions(plan):
    """By default a mass removal is an error: the flag must be given to plan one."""
    state = bank("10432210", user("anna", "individual"), user("bruno"), user("carla"))
    client_plan, problems = plan(state, "carla")
    assert [(c.action, c.address) for c in client_plan.changes] == [
        (Action.DELETE, "10432210/users/anna"),
        (Action.DELETE, f"10432210/users/anna/authorizations/{CHF}"),
        (Action.DELETE, "10432210/users/bruno"),
        (Action.DELETE, f"10432210/users/bruno/authorizations/{CHF}"),
    ]
    assert [(p.code, p.severity) for p in problems] == [
        ("EF301", Severity.ERROR),
        ("EF302", Severity.ERROR),
    ]


def test_allow_mass_removal_reaches_the_rules(plan):
    state = bank("10432210", user("anna"), user("bruno"), user("carla"))
    _, problems = plan(state, "carla", allow_mass_removal=True)
    assert [(p.code, p.severity) for p in problems] == [
        ("EF302", Severity.WARNING),
        ("EF303", Severity.WARNING),  # anna and bruno are no admins: nobody can approve
    ]


def test_a_change_in_a_risk_tier_asks_its_checkers_and_says_why(declare, catalog):
    """The catalog's tier 2 (more than one change) needs a second reviewer: the approval names
    the tier, its checkers and the rule in words; under no tier, the base rule's one."""
    tiers = (RiskTier(2, 1, (TierRule(Trigger.CHANGES_OVER, over=1),)),)
    tiered = replace(catalog, risk_tiers=tiers)
    state = bank("10432210", user("anna", "individual"), user("bruno", "collective"))
    spec = declare(
        "users: [{id: anna, name: anna, admin: individual, authorizations: {all: {account: read}}}]"
    )
    resolution = resolve_client(spec, state.contracts, tiered)
    client_plan, _ = plan_client(spec, resolution, state, tiered, {})
    reason = TierReason("more than 1 changes", None, "2 changes in the relationship")
    assert client_plan.approval == Approval(
        rule_for(2),
        (EligibleAdmin("anna", None), EligibleAdmin("bruno", None)),
        2,
        TierVerdict(2, 2, (reason,)),
    )
    assert rule_for(2) == (
        "one individual admin or two collective admins, plus 2 reviewers who are not the author"
    )
    untiered, _ = plan_client(spec, resolution, state, catalog, {})
    assert untiered.approval == Approval(RULE, client_plan.approval.eligible_admins, 1, None)


def test_assemble_orders_relationships_and_records_options_and_diagnostics():
    def client_plan(client: str) -> ClientPlan:
        change = Change(f"{client}/users/x", Action.DELETE, Resource.USER, {"name": "X"}, None)
        return ClientPlan(client, client, 1, (change,), Approval(RULE, ()))

    located = error("EF102", "unknown contract CH00", ("users", 0), "check the id").at(
        "clients/20145837.yaml", 12, 7
    )
    rule = error("EF302", "client 30518764: the plan deletes 1 of the relationship's 1 user")
    plan = assemble(
        [client_plan("30518764"), client_plan("20145837")],
        commit="0123abc",
        inputs_digest="sha256:" + "1" * 64,
        allow_mass_removal=True,
        diagnostics=[located, rule],
    )
    assert plan == Plan(
        clients=(client_plan("20145837"), client_plan("30518764")),
        commit="0123abc",
        inputs_digest="sha256:" + "1" * 64,
        options={"allow_mass_removal": True},
        diagnostics=(located, rule),
    )
    assert plan.summary() == {"create": 0, "update": 0, "delete": 2, "replace": 0, "manual": 0}


def test_assemble_without_options_records_the_flag_as_false():
    plan = assemble(
        [],
        commit=None,
        inputs_digest="sha256:" + "1" * 64,
        allow_mass_removal=False,
        diagnostics=[],
    )
    assert plan.to_json("2025-06-01T09:30:00+00:00")["options"] == {"allow_mass_removal": False}


def test_diagnostics_keep_the_order_they_were_given_in():
    first, second = Diagnostic("EF302", Severity.WARNING, "b"), error("EF101", "a")
    plan = assemble(
        [], commit=None, inputs_digest="", allow_mass_removal=False, diagnostics=[first, second]
    )
    assert [d.code for d in plan.diagnostics] == ["EF302", "EF101"]
