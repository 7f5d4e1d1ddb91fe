"""The plan document: what to_json writes, that from_json reads it back whole, and addresses."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from reconcile.diagnostics import Diagnostic, Severity
from reconcile.plan import (
    FORMAT_VERSION,
    Action,
    Address,
    Approval,
    Change,
    ClientPlan,
    EligibleAdmin,
    Note,
    NoteKind,
    Plan,
    Resource,
    TierReason,
    TierVerdict,
    canonical_json,
    plan_id_of,
    sha256_of,
)

C = "10432210"
AT = "2026-11-28T12:00:00+00:00"
RIGHT = f"{C}/users/bruno.keller/authorizations/CH56"
RAISE = Note(NoteKind.RAISE, "read -> sign_individual", {"before": "read", "after": "x"})
TIER = TierVerdict(2, 2, (TierReason("raise to sign_individual", RIGHT, "bruno.keller: CH56"),))
ISO = Note(NoteKind.AUTOMATIC_ISO_CHANGE, "the bank switched", {"on": "2026-11-22"})


def client_plan(**changed) -> ClientPlan:
    fields = {
        "client": C,
        "name": "Muster Holding AG",
        "serial": 41,
        "changes": (
            Change(RIGHT, Action.UPDATE, Resource.AUTHORIZATION, {"profile": "read"},
                   {"profile": "sign_individual"}, (RAISE,), drift=True),
            Change(f"{C}/users/otto.alt", Action.DELETE, Resource.USER, {"name": "Otto"}, None),
            Change(f"{C}/users/anna/admin", Action.MANUAL, Resource.ADMIN_RIGHT, None,
                   {"admin": "individual"}),
        ),
        "approval": Approval("the rule", (EligibleAdmin("anna", "anna-m"),
                                          EligibleAdmin("carla", None)), 2, TIER),
        "notes": (ISO,),
    }  # fmt: skip
    return ClientPlan(**(fields | changed))


WARNING = Diagnostic("EF120", Severity.WARNING, "expires", "renew it", file="c.yaml", line=3, col=5)
QUIET = client_plan(client="20145837", changes=(), approval=Approval("r", ()), notes=())
PLAN = Plan(
    (client_plan(), QUIET),
    "0123456789abcdef0123456789abcdef01234567",
    "sha256:" + "1" * 64,
    {"allow_mass_removal": False},
    (WARNING,),
    as_of="2026-11-28",
)  # fmt: skip


def test_a_plan_document_reads_back_as_the_same_plan():
    document = PLAN.to_json(AT)
    read = Plan.from_json(document)
    assert read == replace(PLAN, created_at=AT)
    assert read.to_json() == document
    assert read.plan_id == PLAN.plan_id == document["plan_id"]


def test_the_document_puts_id_version_and_times_first_and_counts_each_action():
    document = PLAN.to_json(AT)
    assert list(document) == [
        "plan_id", "format_version", "created_at", "as_of",
        "source", "options", "clients", "summary", "diagnostics",
    ]  # fmt: skip
    assert (document["format_version"], document["created_at"], document["as_of"]) == (
        FORMAT_VERSION,
        AT,
        "2026-11-28",
    )
    assert document["summary"] == {
        "create": 0, "update": 1, "delete": 1, "replace": 0, "manual": 1
    }  # fmt: skip
    assert document["source"] == {"commit": PLAN.commit, "inputs_digest": PLAN.inputs_digest}
    assert document["diagnostics"] == [
        {"code": "EF120", "severity": "warning", "message": "expires", "hint": "renew it",
         "file": "c.yaml", "line": 3, "col": 5}
    ]  # fmt: skip
    quiet = document["clients"][1]
    assert quiet == {
        "client": "20145837",
        "name": "Muster Holding AG",
        "serial": 41,
        "changes": [],
        "approval": {"rule": "r", "eligible_admins": [], "checkers": 1, "tier": None},
    }  # no notes: nothing the bank did on its own
    assert document["clients"][0]["notes"] == [
        {"kind": "automatic_iso_change", "text": "the bank switched", "data": {"on": "2026-11-22"}}
    ]
    assert document["clients"][0]["changes"][1] == {
        "address": f"{C}/users/otto.alt",
        "action": "delete",
        "resource": "user",
        "before": {"name": "Otto"},
        "after": None,
        "notes": [],
        "drift": False,
    }


def test_a_plan_without_a_time_is_no_document_and_a_day_is_written_only_when_judged():
    with pytest.raises(ValueError, match=r"^a plan document needs its creation time$"):
        PLAN.to_json()
    stamped = replace(PLAN, created_at=AT, as_of=None)
    assert stamped.to_json()["created_at"] == AT
    assert stamped.to_json("2026-12-01T00:00:00+00:00")["created_at"] == "2026-12-01T00:00:00+00:00"
    assert "as_of" not in stamped.to_json()


def test_the_plan_id_is_the_digest_of_the_canonical_body_without_id_and_times():
    document = PLAN.to_json(AT)
    body = {k: v for k, v in document.items() if k not in ("plan_id", "created_at", "as_of")}
    digest = hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()
    assert document["plan_id"] == plan_id_of(document) == f"sha256:{digest}"
    assert (
        plan_id_of({**document, "as_of": "2027-01-01", "created_at": "x", "plan_id": "y"})
        == (document["plan_id"])
    )
    assert plan_id_of({**document, "commit": None}) != document["plan_id"]


def test_canonical_json_sorts_keys_and_keeps_text_as_it_is():
    assert canonical_json({"b": "Bärtschi", "a": [1, {"d": None, "c": True}]}) == (
        '{"a":[1,{"c":true,"d":null}],"b":"Bärtschi"}'
    )
    assert (
        sha256_of("Bärtschi")
        == sha256_of("Bärtschi".encode())
        == ("sha256:" + hashlib.sha256("Bärtschi".encode()).hexdigest())
    )


def test_a_relationship_of_the_plan_is_found_by_id():
    assert PLAN.client("20145837") is PLAN.clients[1]
    assert PLAN.client("99999999") is None


@pytest.mark.parametrize(
    ("address", "parsed"),
    [
        (f"{C}/users/anna", Address(C, Resource.USER, user="anna")),
        (f"{C}/users/anna/authorizations/CH56",
         Address(C, Resource.AUTHORIZATION, user="anna", contract="CH56")),
        (f"{C}/users/anna/admin", Address(C, Resource.ADMIN_RIGHT, user="anna")),
        (f"{C}/users/anna/signing_key", Address(C, Resource.SIGNING_KEY, user="anna")),
        (f"{C}/deliveries/D-77", Address(C, Resource.DELIVERY, delivery="D-77")),
        (f"{C}/api_keys/erp", Address(C, Resource.API_KEY, key="erp")),
    ],
)  # fmt: skip
def test_each_address_parses_to_its_resource_and_back(address, parsed):
    assert Address.parse(address) == parsed
    assert str(parsed) == address


@pytest.mark.parametrize("address", [f"{C}/users", f"{C}/users/anna/rights/CH56", "x/y/z/admin"])
def test_a_string_that_is_no_address_is_refused(address):
    with pytest.raises(ValueError) as refused:
        Address.parse(address)
    assert str(refused.value) == f"not an efctl address: {address!r}"
