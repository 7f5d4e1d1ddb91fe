"""apply_client against a real sandbox bank (SQLite and PostgreSQL), one relationship."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from efctl.sandbox import open_store
from reconcile.apply import (
    ClientResult,
    KeyResult,
    Outcome,
    SinkError,
    apply_client,
    request_keys,
)
from reconcile.backend import IssuedKey
from reconcile.dualcontrol import RULE, Evidence
from reconcile.model import KeyState
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
    TierVerdict,
)

# Both engines: apply against the store, two connections at once.
pytestmark = pytest.mark.stores("sqlite", "postgresql")

SEED = Path(__file__).parents[1] / "sandbox" / "seeds" / "good"
FAVRE = "10000002"  # anna.muster is its individual admin
RIGHT = f"{FAVRE}/users/anna.muster/authorizations/EB-10000002-1"
NOON = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


FORM = Change(f"{FAVRE}/users/anna.muster/admin", Action.MANUAL, Resource.ADMIN_RIGHT, {}, {})


def reviewed_plan(serial: int, *paper: Change) -> Plan:
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
        (change, *paper),
        Approval(RULE, (EligibleAdmin("anna.muster", None),)),
    )
    return Plan((client,), None, "sha256:" + "0" * 64, {"allow_mass_removal": False})


def with_a_key_request(serial: int) -> ClientPlan:
    """The reviewed plan's relationship with an API key request after its order."""
    reviewed = reviewed_plan(serial).clients[0]
    key = Change(f"{FAVRE}/api_keys/erp", Action.CREATE, Resource.API_KEY, None, {"user": "x"})
    return replace(reviewed, changes=(*reviewed.changes, key))


def evidence(plan: Plan) -> Evidence:
    return Evidence(plan.plan_id, None, "github:dora-d", ("anna.muster",))


def test_a_plan_another_run_applies_meanwhile_is_applied_by_that_run(store_url):
    with open_store(store_url, create=True) as bank:
        bank.init(SEED)
        plan = reviewed_plan(bank.read_client(FAVRE).serial, FORM)
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
        (FORM,),  # the paper step is still this run's to report
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
    assert result == ClientResult(
        FAVRE,
        Outcome.STALE,
        f"relationship {FAVRE} changed at the bank: the order is based on serial {serial}, "
        f"the bank is at serial {serial + 1}",
    )
    assert not result.ok


def test_a_key_request_of_a_plan_made_by_no_user_of_the_relationship_is_refused(store_url):
    with open_store(store_url, create=True) as bank:
        bank.init(SEED)
        serial = bank.read_client(FAVRE).serial
        client_plan = with_a_key_request(serial)
        plan = Plan((client_plan,), None, "sha256:" + "0" * 64)
        result = apply_client(plan, client_plan, client_plan, evidence(plan), bank)
        assert result == ClientResult(
            FAVRE,
            Outcome.REFUSED,
            "API keys are requested by an admin of the relationship, and github:dora-d, who made"
            " the plan, is no user there; nothing was applied",
        )
        assert bank.read_client(FAVRE).serial == serial  # nothing applied


HOLZBAU = "10000001"  # anna.muster is a collective admin; bruno.keller holds erp-invoicing


def key_change(name: str, action: Action, before=None, after=None) -> Change:
    return Change(f"{HOLZBAU}/api_keys/{name}", action, Resource.API_KEY, before, after)


def test_key_requests_are_made_one_by_one_and_a_missing_sink_fails_only_its_own(store_url):
    with open_store(store_url, create=True) as bank:
        bank.init(SEED)
        changes = (
            key_change("erp-invoicing", Action.DELETE, {"user": "bruno.keller"}),
            key_change("erp-new", Action.CREATE, None, {"user": "bruno.keller"}),
        )
        assert request_keys(HOLZBAU, changes, "anna.muster", bank, None) == (
            KeyResult("erp-invoicing", Action.DELETE, True, "revoked"),
            KeyResult("erp-new", Action.CREATE, False, "no secret sink was given"),
        )
        assert bank.read_client(HOLZBAU).api_keys == ()


def test_an_inactive_key_left_by_a_killed_apply_is_replaced_by_an_active_one(store_url):
    with open_store(store_url, create=True) as bank:
        bank.init(SEED)
        left = bank.issue_api_key(HOLZBAU, "erp-2", "bruno.keller", "anna.muster")
        [inactive] = [k for k in bank.read_client(HOLZBAU).api_keys if k.name == "erp-2"]
        before = {"user": "bruno.keller", "fingerprint": left.fingerprint, "state": "inactive"}
        sunk: list[IssuedKey] = []
        change = key_change("erp-2", Action.REPLACE, before, {"user": "bruno.keller"})
        [result] = request_keys(HOLZBAU, (change,), "anna.muster", bank, sunk.append)
        [issued] = sunk
        assert result == KeyResult(
            "erp-2",
            Action.REPLACE,
            True,
            "rotated: new key active, old revoked",
            issued.fingerprint,
            issued.expires.isoformat(),
        )
        keys = [(k.name, k.fingerprint, k.state) for k in bank.read_client(HOLZBAU).api_keys]
        assert ("erp-2", issued.fingerprint, KeyState.ACTIVE) in keys
        assert inactive.fingerprint not in [fingerprint for _, fingerprint, _ in keys]


MORE_READ = Change(RIGHT, Action.UPDATE, Resource.AUTHORIZATION, {"profile": "capture"}, {})


@pytest.mark.parametrize(
    ("fresh", "detail"),
    [
        (None, "the relationship is no longer declared"),
        (
            {"serial": 8},
            "the bank moved from serial 7 (planned) to serial 8 (now): someone changed it since"
            " the plan was made",
        ),
        (
            {"changes": ()},
            "planning now gives other changes than the reviewed plan (1 iterable item removed;"
            " first at root[0]): the declarations or the catalog changed",
        ),
        (
            {"changes": (MORE_READ, MORE_READ)},
            "planning now gives other changes than the reviewed plan (1 dictionary item removed,"
            " 1 iterable item added, 1 iterable item removed; first at"
            " root[0]['after']['profile']): the declarations or the catalog changed",
        ),
        (
            {"approval": Approval(RULE, (), 2, TierVerdict(2, 2, ()))},
            "planning now gives risk tier 2 (2 reviewers) where the reviewed plan has no risk"
            " tier: the catalog's risk tiers changed",
        ),
    ],
    ids=["undeclared", "serial", "changes", "changes-more", "tier"],
)
def test_a_reviewed_plan_that_no_longer_holds_is_stale_and_says_why(store_url, fresh, detail):
    plan = reviewed_plan(7)
    [saved] = plan.clients
    now = None if fresh is None else replace(saved, **fresh)
    with open_store(store_url, create=True) as bank:
        bank.init(SEED)
        assert apply_client(plan, saved, now, evidence(plan), bank) == ClientResult(
            FAVRE, Outcome.STALE, detail
        )


def test_a_relationship_whose_key_requests_fail_is_failed_and_names_each(store_url):
    keys = tuple(
        Change(f"{FAVRE}/api_keys/{name}", Action.CREATE, Resource.API_KEY, None, {"user": "x"})
        for name in ("erp-a", "erp-b")
    )
    with open_store(store_url, create=True) as bank:
        bank.init(SEED)
        client_plan = ClientPlan(
            FAVRE,
            "Favre",
            bank.read_client(FAVRE).serial,
            (*keys, FORM),
            reviewed_plan(1).clients[0].approval,
        )
        plan = Plan((client_plan,), None, "sha256:" + "0" * 64)
        by_an_admin = Evidence(plan.plan_id, None, "anna.muster", ("github:dora-d",))
        result = apply_client(plan, client_plan, client_plan, by_an_admin, bank)
    failed = KeyResult("erp-a", Action.CREATE, False, "no secret sink was given")
    assert result == ClientResult(
        FAVRE,
        Outcome.FAILED,
        "no order needed; API keys: 0 of 2 requests done; erp-a: no secret sink was given;"
        " erp-b: no secret sink was given",
        manual=(FORM,),
        keys=(failed, replace(failed, name="erp-b")),
    )


def test_a_relationship_without_changes_has_nothing_to_change(store_url):
    quiet = replace(reviewed_plan(1).clients[0], changes=())
    plan = Plan((quiet,), None, "sha256:" + "0" * 64)
    with open_store(store_url, create=True) as bank:
        bank.init(SEED)
        assert apply_client(plan, quiet, quiet, evidence(plan), bank) == ClientResult(
            FAVRE, Outcome.NO_CHANGES, "nothing to change"
        )


def apply_a_key_request_of_an_admin(bank, backend=None) -> tuple[int, ClientResult]:
    """The plan with a key request, made by anna.muster (the relationship's admin) and approved
    by dora-d, applied through BACKEND (the bank itself unless given): the serial it was made
    at, and the result."""
    serial = bank.read_client(FAVRE).serial
    client_plan = with_a_key_request(serial)
    plan = Plan((client_plan,), None, "sha256:" + "0" * 64)
    by_an_admin = Evidence(plan.plan_id, None, "anna.muster", ("github:dora-d",))
    return serial, apply_client(plan, client_plan, client_plan, by_an_admin, backend or bank)


def test_a_key_request_that_fails_after_the_order_keeps_the_order_in_the_result(store_url):
    with open_store(store_url, create=True) as bank:
        bank.init(SEED)
        serial, result = apply_a_key_request_of_an_admin(bank)
    assert (result.outcome, result.order_id, result.detail) == (
        Outcome.FAILED,
        f"{FAVRE}-1",
        f"order {FAVRE}-1 executed, serial {serial} -> {serial + 1}; API keys: 0 of 1 requests"
        " done; erp: no secret sink was given",
    )


def test_a_new_key_whose_secret_or_activation_fails_is_discarded_at_the_bank(store_url):
    def failing_sink(issued: IssuedKey) -> None:
        raise SinkError("the vault is sealed")

    with open_store(store_url, create=True) as bank:
        bank.init(SEED)
        held = bank.read_client(HOLZBAU).api_keys
        new = key_change("erp-2", Action.CREATE, None, {"user": "bruno.keller"})
        moved = key_change(  # the key it replaces is no longer the active one: another run won
            "erp-invoicing",
            Action.REPLACE,
            {"user": "bruno.keller", "fingerprint": "sha256:" + "0" * 64},
            {"user": "bruno.keller"},
        )
        sunk: list[IssuedKey] = []
        assert request_keys(HOLZBAU, (new,), "anna.muster", bank, failing_sink) == (
            KeyResult("erp-2", Action.CREATE, False, "the vault is sealed"),
        )
        [result] = request_keys(HOLZBAU, (moved,), "anna.muster", bank, sunk.append)
        assert (result.name, result.ok, result.fingerprint) == ("erp-invoicing", False, None)
        assert bank.read_client(HOLZBAU).api_keys == held  # no new key left behind, active or not


def test_a_plan_applied_before_names_its_order_and_still_lists_the_manual_steps(store_url):
    form = Change(
        f"{FAVRE}/users/anna.muster/admin",
        Action.MANUAL,
        Resource.ADMIN_RIGHT,
        {"admin": "individual"},
        {"admin": "collective"},
    )
    with open_store(store_url, create=True) as bank:
        bank.init(SEED)
        reviewed = reviewed_plan(bank.read_client(FAVRE).serial).clients[0]
        client_plan = replace(reviewed, changes=(*reviewed.changes, form))
        plan = Plan((client_plan,), "c0ffee" * 6 + "c0ff", "sha256:" + "0" * 64)
        first = apply_client(plan, client_plan, client_plan, evidence(plan), bank)
        again = apply_client(plan, client_plan, client_plan, evidence(plan), bank)
        [entry] = bank.audit_entries(FAVRE)
    assert (entry.order_id, entry.plan_id, entry.commit) == (
        first.order_id,
        plan.plan_id,
        plan.commit,
    )
    assert (first.outcome, first.manual) == (Outcome.APPLIED, (form,))
    assert again == ClientResult(
        FAVRE,
        Outcome.ALREADY_APPLIED,
        f"order {first.order_id} executed this plan",
        first.order_id,
        (form,),
    )


class _LosesTheApprovals:
    """A bank that disagrees with efctl's four-eyes check: the order reaches the real sandbox
    without its checkers, so the sandbox keeps it pending. The sandbox itself never disagrees
    (it judges by the same rule), but a bank may; its word is the last."""

    def __init__(self, store):
        self._store = store

    def __getattr__(self, name):
        return getattr(self._store, name)

    def submit_order(self, order):
        return self._store.submit_order(replace(order, checkers=()))


def test_an_order_the_bank_keeps_pending_is_reported_so_and_its_keys_wait(store_url):
    with open_store(store_url, create=True) as bank:
        bank.init(SEED)
        serial, result = apply_a_key_request_of_an_admin(bank, _LosesTheApprovals(bank))
        assert result == ClientResult(
            FAVRE,
            Outcome.PENDING_AT_BANK,
            f"the bank keeps order {FAVRE}-1 pending: a reviewer who is not the author; its 1 API"
            " key request(s) wait for it",
            f"{FAVRE}-1",
        )
        assert not result.ok
        assert [p.id for p in bank.pending_orders(FAVRE)] == [f"{FAVRE}-1"]
        after = bank.read_client(FAVRE)
        assert (after.serial, after.api_keys) == (serial, ())  # nothing executed, no key made


def test_an_order_the_bank_keeps_pending_still_lists_the_manual_steps(store_url):
    with open_store(store_url, create=True) as bank:
        bank.init(SEED)
        plan = reviewed_plan(bank.read_client(FAVRE).serial, FORM)
        [client_plan] = plan.clients
        result = apply_client(
            plan, client_plan, client_plan, evidence(plan), _LosesTheApprovals(bank)
        )
    assert result == ClientResult(
        FAVRE,
        Outcome.PENDING_AT_BANK,
        f"the bank keeps order {FAVRE}-1 pending: a reviewer who is not the author and one"
        " individual admin or two collective admins",
        f"{FAVRE}-1",
        (FORM,),
    )
