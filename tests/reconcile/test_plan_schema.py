"""The plan JSON contract: Plan.to_json validates against plan.schema.json, the plan id is
stable and moves with every change; approvals.schema.json takes what `efctl approve` writes."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date

import pytest
from jsonschema import Draft202012Validator

from efctl.declarations.schema import load_schema
from reconcile.model import ApiKeyState, ClientState, Contract, Delivery, UserState
from reconcile.plan import Note, NoteKind, Plan, plan_id_of
from reconcile.planner import assemble, plan_client
from reconcile.resolve import resolve_client

C = "10432210"
CHF = "CH5604835012345678009"
RENT = "CH9300762011623852957"
BILLING = "BS-10432210-1"
FINGERPRINT = "sha256:" + "ab" * 32
CREATED_AT = "2025-06-01T09:30:00+00:00"

BANK = ClientState(
    C,
    "Muster Holding AG",
    "de",
    41,
    contracts=(
        Contract(CHF, "account", "Geschäftskonto CHF"),
        Contract(RENT, "account", "Mietzinskonto", ("sign_collective", "capture", "read")),
        Contract(BILLING, "billing_solutions", "Billing Solutions"),
    ),
    users=(
        UserState(
            "anna.muster",
            "Anna Muster",
            "a.muster@example.ch",
            "de",
            "anna-m",
            "collective",
            {CHF: "read", BILLING: "sign_individual"},
        ),
        UserState("otto.alt", "Otto Alt", None, "de", None, "none", {CHF: "read"}),
    ),
    deliveries=(
        Delivery("D-77", CHF, "camt.053", "2009", "ebanking", "daily"),
        Delivery("D-79", CHF, "statement", None, "ebanking", "monthly"),
    ),
    api_keys=(
        ApiKeyState("erp-old", "otto.alt", FINGERPRINT, date(2025, 3, 1), date(2027, 3, 1)),
        ApiKeyState("erp-pay", "otto.alt", FINGERPRINT, date(2025, 3, 1), date(2027, 3, 1)),
    ),
)

DECLARATION = """
deliveries: {iso_version: "2019"}
users:
  - id: anna.muster
    name: Anna Muster
    email: anna.muster@example.ch
    github: anna-m
    admin: individual
    authorizations:
      all: {account: sign_individual, billing_solutions: sign_individual}
  - {id: bruno.keller, name: Bruno Keller, authorizations: {copy_from: anna.muster}}
api_keys:
  - {name: erp-new, user: anna.muster}
  - {name: erp-pay, user: anna.muster}
"""
# What the last applied plan set: anna's right on CHF was sign_individual; the bank has read.
LAST_APPLIED = {f"{C}/users/anna.muster/authorizations/{CHF}": {"profile": "sign_individual"}}


@pytest.fixture(scope="module")
def plan_schema() -> Draft202012Validator:
    schema = load_schema("plan")
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture
def plan(declare, catalog) -> Plan:
    """A plan with every action and resource kind, drift, a fallback, a rule diagnostic and a
    relationship without changes."""
    spec = declare(DECLARATION)
    resolution = resolve_client(spec, BANK.contracts, catalog)
    client_plan, problems = plan_client(spec, resolution, BANK, catalog, LAST_APPLIED)
    quiet = ClientState("20145837", "Bärtschi Holding AG", "de", 17)
    quiet_spec = declare(
        'client: {id: "20145837", name: Bärtschi Holding AG, language: de}\nusers: []'
    )
    quiet_plan, _ = plan_client(
        quiet_spec, resolve_client(quiet_spec, (), catalog), quiet, catalog, {}
    )
    return assemble(
        [client_plan, quiet_plan],
        commit="0123456789abcdef0123456789abcdef01234567",
        inputs_digest="sha256:" + "1" * 64,
        allow_mass_removal=False,
        diagnostics=problems,
    )


def errors(validator: Draft202012Validator, document: dict) -> list[str]:
    return sorted(e.message for e in validator.iter_errors(document))


def test_the_scenario_has_every_kind_of_change(plan):
    changes = [c for client in plan.clients for c in client.changes]
    kinds = {(c.resource.value, c.action.value) for c in changes}
    assert kinds == {
        ("user", "create"),
        ("user", "update"),
        ("user", "delete"),
        ("admin_right", "manual"),
        ("authorization", "create"),
        ("authorization", "update"),
        ("authorization", "delete"),
        ("delivery", "update"),
        ("api_key", "create"),
        ("api_key", "delete"),
        ("api_key", "replace"),
    }
    assert any(c.drift for c in changes)
    assert any(note.kind is NoteKind.FALLBACK for c in changes for note in c.notes)
    assert [d.code for d in plan.diagnostics] == ["EF303"]


def test_the_plan_json_validates_against_the_schema(plan, plan_schema):
    assert errors(plan_schema, plan.to_json(CREATED_AT)) == []


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ((), ("extra", 1), "Additional properties are not allowed ('extra' was unexpected)"),
        (
            ("clients", 0, "changes", 0),
            ("secret", "s3cr3t"),
            "Additional properties are not allowed ('secret' was unexpected)",
        ),
        (("clients", 0, "changes", 0, "after"), ("secret", "s3cr3t"), None),  # see below
        (("options",), ("allow_mass_removal", "yes"), "'yes' is not of type 'boolean'"),
        (("summary",), ("create", -1), "-1 is less than the minimum of 0"),
        (("diagnostics", 0), ("severity", "fatal"), "'fatal' is not one of ['error', 'warning']"),
    ],
)
def test_the_schema_refuses_what_the_contract_does_not_have(
    plan, plan_schema, path, value, message
):
    document = plan.to_json(CREATED_AT)
    target = document
    for step in path:
        target = target[step]
    key, new = value
    target[key] = new
    found = errors(plan_schema, document)
    if message is None:  # a change matches none of its per-resource shapes: one error, naming it
        [only] = found
        assert only.endswith(" is not valid under any of the given schemas")
        assert "'secret': 's3cr3t'" in only
    else:
        assert found == [message]


def change_of(document: dict, address_end: str) -> dict:
    return next(c for c in document["clients"][0]["changes"] if c["address"].endswith(address_end))


@pytest.mark.parametrize(
    ("address_end", "key", "value"),
    [
        ("/api_keys/erp-new", "after", {"user": "anna.muster", "secret": "s3cr3t"}),
        ("/users/anna.muster/admin", "action", "update"),
        (f"/users/bruno.keller/authorizations/{CHF}", "after", {"profile": "none"}),
        (
            "/users/bruno.keller",
            "before",
            {"name": "B", "email": None, "language": "de", "github": None},
        ),
        ("/deliveries/D-77", "after", {"iso_version": "2019", "channel": "file_transfer"}),
        ("/users/otto.alt", "after", {"name": "Otto Alt"}),
        ("/api_keys/erp-old", "address", f"{C}/api_key/erp-old"),
    ],
)
def test_the_schema_checks_each_resources_payload(plan, plan_schema, address_end, key, value):
    document = plan.to_json(CREATED_AT)
    change_of(document, address_end)[key] = value
    assert errors(plan_schema, document)


def test_the_plan_id_is_the_digest_of_the_body_whatever_the_time(plan):
    first, later = plan.to_json(CREATED_AT), plan.to_json("2025-06-02T10:00:00+00:00")
    assert first["plan_id"] == later["plan_id"] == plan_id_of(first)


def test_the_same_inputs_give_the_same_plan_id(declare, catalog, plan):
    again = plan_client(
        declare(DECLARATION),
        resolve_client(declare(DECLARATION), BANK.contracts, catalog),
        BANK,
        catalog,
        LAST_APPLIED,
    )[0]
    rebuilt = replace(plan, clients=(again, plan.clients[1]))
    assert rebuilt.to_json(CREATED_AT)["plan_id"] == plan.to_json(CREATED_AT)["plan_id"]


def test_any_change_to_any_change_changes_the_plan_id(plan):
    original = plan.to_json(CREATED_AT)["plan_id"]
    client = plan.clients[0]
    seen = {original}
    for index, change in enumerate(client.changes):
        for edited in (
            replace(change, notes=(*change.notes, Note(NoteKind.KEY_ISSUE, "edited"))),
            replace(change, drift=not change.drift),
        ):
            changes = (*client.changes[:index], edited, *client.changes[index + 1 :])
            altered = replace(plan, clients=(replace(client, changes=changes), plan.clients[1]))
            seen.add(altered.to_json(CREATED_AT)["plan_id"])
    assert len(seen) == 1 + 2 * len(client.changes)


@pytest.mark.parametrize(
    "edit",
    [
        lambda p: replace(p, clients=(replace(p.clients[0], serial=42), p.clients[1])),
        lambda p: replace(p, options={"allow_mass_removal": True}),
        lambda p: replace(p, commit="fedcba"),
        lambda p: replace(p, diagnostics=()),
    ],
    ids=["serial", "options", "commit", "diagnostics"],
)
def test_the_plan_id_covers_serial_options_source_and_diagnostics(plan, edit):
    assert edit(plan).to_json(CREATED_AT)["plan_id"] != plan.to_json(CREATED_AT)["plan_id"]


# --- approvals --------------------------------------------------------------------------------

APPROVALS = {
    "format_version": "1",
    "plan_id": "sha256:" + "2" * 64,
    "author": "anna.muster",
    "approvals": [
        {"user": "bruno.keller", "at": "2025-06-01T09:30:00+00:00"},
        {"user": "carla.rossi", "at": "2025-06-01T10:02:13Z"},
    ],
}


@pytest.fixture(scope="module")
def approvals_schema() -> Draft202012Validator:
    schema = load_schema("approvals")
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_an_approvals_file_validates(approvals_schema):
    assert errors(approvals_schema, APPROVALS) == []
    assert errors(approvals_schema, {**APPROVALS, "approvals": []}) == []


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.pop("author"), "'author' is a required property"),
        (lambda d: d.update(plan_id="abc"), "'abc' does not match '^sha256:[0-9a-f]{64}$'"),
        (lambda d: d.update(format_version="2"), "'1' was expected"),
        (lambda d: d["approvals"][0].pop("at"), "'at' is a required property"),
        (lambda d: d["approvals"][0].update(at="yesterday"), "'yesterday' is not a 'date-time'"),
        (
            lambda d: d["approvals"][0].update(github="bkeller"),
            "Additional properties are not allowed ('github' was unexpected)",
        ),
    ],
)
def test_the_approvals_schema_refuses(approvals_schema, edit, message):
    document = copy.deepcopy(APPROVALS)
    edit(document)
    assert errors(approvals_schema, document) == [message]
