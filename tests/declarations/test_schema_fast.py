"""jsonschema-rs only short-cuts valid documents: whatever it accepts, jsonschema accepts.

So a declaration gets exactly the friendly diagnostics it got before, from jsonschema alone.
"""

from __future__ import annotations

import copy
import datetime
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from efctl.catalog import load_catalog
from efctl.declarations import schema as schema_module
from efctl.declarations.loader import load_document, parse_document
from efctl.declarations.schema import load_schema, schema_diagnostics, with_catalog

jsonschema_rs = pytest.importorskip("jsonschema_rs")

ROOT = Path(__file__).resolve().parents[2]
CLIENT = with_catalog(load_schema("client"), load_catalog())
SEED = load_schema("bank-state")


def friendly(doc, schema) -> list:
    schema_module.QUICK = False
    try:
        return schema_diagnostics(doc, schema)
    finally:
        schema_module.QUICK = True


def assert_quick_is_sound(data, schema) -> None:
    compiled = schema_module._compiled(schema)
    if schema_module._quick_valid(compiled.quick, data):
        assert list(compiled.validator.iter_errors(data)) == []


def test_every_yaml_file_gets_the_same_schema_diagnostics():
    for path in sorted({*ROOT.glob("examples/**/*.yaml"), *ROOT.glob("tests/**/*.yaml")}):
        doc = load_document(path)
        for schema in (CLIENT, SEED):
            assert schema_diagnostics(doc, schema) == friendly(doc, schema), path
            if isinstance(doc.data, dict):
                assert_quick_is_sound(doc.data, schema)


EXAMPLE = load_document(ROOT / "examples" / "clients" / "20145845.yaml").data
TRICKY = ["", "a\n", "x@y", "@", "a@b\n", "١٢٣", "10432210\n", "read", "sign_collective"]
TRICKY += ["2019", "all", "*", "account", "de", "DE", "a" * 300, "user.x", "User.X", "2025-02-30"]
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(),
    st.sampled_from(TRICKY),
    st.lists(st.sampled_from(["read", "cards", 1, None]), max_size=3),
    st.dictionaries(st.sampled_from(["contract", "profile", "x", "*"]), st.just("read")),
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


PATHS = list(_paths(EXAMPLE))[1:]


@given(st.lists(st.tuples(st.sampled_from(PATHS), VALUES, st.booleans()), min_size=1, max_size=4))
def test_mutated_declarations_are_never_passed_by_the_quick_check_alone(edits):
    data = copy.deepcopy(EXAMPLE)
    for path, value, as_key in edits:
        parent = data
        try:
            for part in path[:-1]:
                parent = parent[part]
            if as_key and isinstance(parent, dict) and isinstance(value, str):
                parent[value] = parent.pop(path[-1])
            else:
                parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    assert_quick_is_sound(data, CLIENT)


PLAN_SCHEMA = load_schema("plan")
PLANS = sorted(ROOT.glob("tests/golden/**/plan*.json"))


def _plan_errors(plan) -> list:
    from jsonschema import Draft202012Validator

    return list(Draft202012Validator(PLAN_SCHEMA).iter_errors(plan))


def test_golden_plans_pass_both_ways():
    assert PLANS
    for path in PLANS:
        plan = json.loads(path.read_text(encoding="utf-8"))
        assert schema_module.passes(PLAN_SCHEMA, plan) == (not _plan_errors(plan)), path


@given(st.sampled_from(PLANS or [None]), st.data())
def test_edited_plans_pass_the_quick_check_only_when_valid(path, data):
    plan = json.loads(path.read_text(encoding="utf-8"))
    paths = list(_paths(plan))[1:]
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.sampled_from(paths))
        parent = plan
        try:
            for part in where[:-1]:
                parent = parent[part]
            parent[where[-1]] = data.draw(VALUES)
        except (KeyError, IndexError, TypeError):
            continue
    if schema_module.passes(PLAN_SCHEMA, plan):
        assert _plan_errors(plan) == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "email: anna-at-example.ch",
            "c.yaml:4:35: EF015 users[0].email (anna): 'anna-at-example.ch' is not an e-mail"
            " address",
        ),
        (
            "until: 2025-02-30",
            "c.yaml:4:35: EF015 users[0].until (anna): '2025-02-30' is not a valid date",
        ),
    ],
    ids=["email", "date"],
)
def test_a_format_as_the_one_problem_is_not_passed_by_the_quick_check(line, expected):
    """The quick check asserts formats as jsonschema's format checker does.

    A fresh copy of the schema: its validators are built here, not taken from an earlier test.
    """
    text = (
        'version: 1\nclient: {id: "1", name: M, language: de}\n'
        f"users:\n  - {{id: anna, name: Anna, {line}}}\n"
    )
    found = schema_diagnostics(parse_document(text, "c.yaml"), copy.deepcopy(CLIENT))
    assert [f"{d.file}:{d.line}:{d.col}: {d.code} {d.message}" for d in found] == [expected]


def test_a_valid_document_is_passed_by_the_validators_built_once_without_jsonschema():
    """jsonschema-rs answers for a valid document; jsonschema's validator is never built."""
    schema = load_schema("client")  # a fresh copy: its own validators
    compiled = schema_module._compiled(schema)
    assert schema_diagnostics(load_document(ROOT / "examples/clients/20145845.yaml"), schema) == []
    assert schema_module._compiled(schema) is compiled
    assert "validator" not in vars(compiled)  # the cached_property was never asked


def test_passes_asserts_no_formats_and_says_ask_jsonschema_when_the_quick_check_is_off():
    """As jsonschema without a format checker: a plan's malformed date is no schema error."""
    plan = json.loads(PLANS[0].read_text(encoding="utf-8"))
    plan["as_of"] = "2025-02-30"
    assert _plan_errors(plan) == []
    assert schema_module.passes(PLAN_SCHEMA, plan)
    schema_module.QUICK = False
    try:
        assert not schema_module.passes(PLAN_SCHEMA, plan)
    finally:
        schema_module.QUICK = True


def test_passes_says_ask_jsonschema_for_data_the_quick_check_cannot_take():
    """jsonschema-rs refuses a value that is not JSON (a date): jsonschema decides, not it."""
    plan = json.loads(PLANS[0].read_text(encoding="utf-8"))
    plan["as_of"] = datetime.date(2025, 2, 28)
    assert [e.message for e in _plan_errors(plan)] == [
        "datetime.date(2025, 2, 28) is not of type 'string'"
    ]
    assert not schema_module.passes(PLAN_SCHEMA, plan)
