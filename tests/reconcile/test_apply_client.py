"""apply_client against a real sandbox bank (SQLite and PostgreSQL), one relationship."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from efctl.sandbox import open_store
from reconcile.apply import ClientResult, Outcome, apply_client
from reconcile.dualcontrol import RULE, Evidence
from reconcile.plan import (
    Action,
    Approval,
    Change,
    ClientPlan,
    EligibleAdmin,
    Note,
    NoteKind,
    Plan,
    Resource,
)

# Both engines: apply against the store, two connections at once.
pytestmark = pytest.mark.stores("sqlite", "postgresql")

SEED = Path(__file__).parents[1] / "sandbox" / "seeds" / "good"
FAVRE = "10000002"  # anna.muster is its individual admin
RIGHT = f"{FAVRE}/users/anna.muster/authorizations/EB-10000002-1"
NOON = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def reviewed_plan(serial: int) -> Plan:
    lower = Note(NoteKind.LOWER, "capture -> read", {"before": "capture", "after": "read"})
    change = Change(
        RIGHT,
        Action.UPDATE,
        Resource.AUTHORIZATION,
        {"profile": "capture"},
        {"profile": "read"},
        (lower,),
    )
    client = ClientPlan(
        FAVRE,
        "Fiduciaire Gisèle Favre SA",
        serial,
        (change,),
        Approval(RULE, (EligibleAdmin("anna.muster", None),)),
    )
    return Plan((client,), None, "sha256:" + "0" * 64, {"allow_mass_removal": False})


def evidence(plan: Plan) -> Evidence:
    return Evidence(plan.plan_id, None, "github:dora-d", ("anna.muster",))


def test_a_plan_another_run_applies_meanwhile_is_applied_by_that_run(store_url):
    with open_store(store_url, create=True) as bank:
        bank.init(SEED)
        plan = reviewed_plan(bank.read_client(FAVRE).serial)
    [client_plan] = plan.clients
    other_run: list[ClientResult] = []

    def clock() -> datetime:
        """This run's bank dates its order after this run's checks passed, just before it
        takes the order: that is when the other run's apply of the same plan commits."""
        if not other_run:
            with open_store(store_url) as other_bank:
                other_run.append(
                    apply_client(plan, client_plan, client_plan, evidence(plan), other_bank)
                )
        return NOON

    with open_store(store_url, clock=clock) as bank:
        # ``fresh`` is this run's re-plan, made before the other run committed
        result = apply_client(plan, client_plan, client_plan, evidence(plan), bank)
        assert bank.read_client(FAVRE).users[0].authorizations == {"EB-10000002-1": "read"}

    [first] = other_run
    assert first.outcome is Outcome.APPLIED
    assert result == ClientResult(
        FAVRE,
        Outcome.APPLIED_ELSEWHERE,
        f"order {first.order_id} executed this plan while this run was checking it",
        first.order_id,
    )
    assert result.ok


def test_an_order_the_bank_refuses_as_stale_for_another_change_stays_stale(store_url):
    with open_store(store_url, create=True) as bank:
        bank.init(SEED)
        serial = bank.read_client(FAVRE).serial
    plan, moved = reviewed_plan(serial), reviewed_plan(serial)
    someone_else = Plan(
        (ClientPlan(FAVRE, "web UI", serial, moved.clients[0].changes, moved.clients[0].approval),),
        "f" * 40,
        moved.inputs_digest,
        moved.options,
    )
    [client_plan] = plan.clients
    done: list[ClientResult] = []

    def clock() -> datetime:
        if not done:
            with open_store(store_url) as other_bank:
                other = someone_else.clients[0]
                done.append(
                    apply_client(someone_else, other, other, evidence(someone_else), other_bank)
                )
        return NOON

    with open_store(store_url, clock=clock) as bank:
        result = apply_client(plan, client_plan, client_plan, evidence(plan), bank)

    assert done[0].outcome is Outcome.APPLIED
    assert (result.outcome, result.ok) == (Outcome.STALE, False)
    assert result.detail == (
        f"relationship {FAVRE} changed at the bank: the order is based on serial {serial}, "
        f"the bank is at serial {serial + 1}"
    )


def test_a_key_request_of_a_plan_made_by_no_user_of_the_relationship_is_refused(store_url):
    with open_store(store_url, create=True) as bank:
        bank.init(SEED)
        serial = bank.read_client(FAVRE).serial
        reviewed = reviewed_plan(serial).clients[0]
        key = Change(f"{FAVRE}/api_keys/erp", Action.CREATE, Resource.API_KEY, None, {"user": "x"})
        client_plan = ClientPlan(
            FAVRE, reviewed.name, serial, (*reviewed.changes, key), reviewed.approval
        )
        plan = Plan((client_plan,), None, "sha256:" + "0" * 64)
        result = apply_client(plan, client_plan, client_plan, evidence(plan), bank)
        assert result == ClientResult(
            FAVRE,
            Outcome.REFUSED,
            "API keys are requested by an admin of the relationship, and github:dora-d, who made"
            " the plan, is no user there; nothing was applied",
        )
        assert bank.read_client(FAVRE).serial == serial  # nothing applied
