"""The text view of a plan: exact output, colour on and off, determinism."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema

from efctl.render.plan_text import render_text
from reconcile.plan import plan_id_of

ANSI = re.compile(r"\x1b\[[0-9;]*m")


SCHEMA = Path(__file__).parents[2] / "schemas" / "plan.schema.json"


def test_fixtures_are_plans(fixture_plan):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(fixture_plan)
    assert fixture_plan["plan_id"] == plan_id_of(fixture_plan)


def test_full_plan(full, golden):
    golden("full.txt", render_text(full, color=False))


def test_full_plan_in_colour(full, golden):
    coloured = render_text(full, color=True)
    golden("full.color.txt", coloured)
    assert ANSI.sub("", coloured) == render_text(full, color=False)


def test_colour_marks_each_action_and_the_mass_removal_warning(full):
    lines = render_text(full, color=True).splitlines()
    assert "    \x1b[33m~\x1b[0m CH56 0483 5012 3456 7800 9   read -> capture   (raise)" in lines
    assert "    \x1b[32m+\x1b[0m CH93 0076 2011 6238 5295 7   sign_collective" in lines
    assert "    \x1b[31m-\x1b[0m CH56 0483 5012 3456 7800 9   read" in lines
    assert "    \x1b[35m!\x1b[0m admin right                  none -> collective" in lines
    assert any(
        line.startswith("  \x1b[31m-\x1b[0m/\x1b[32m+\x1b[0m erp-invoicing") for line in lines
    )
    assert lines[-2].startswith("\x1b[1m\x1b[31mMass removal is allowed for this plan")
    assert lines[-1] == "Plan: 7 to create, 4 to change, 9 to delete, 2 manual."


def test_no_colour_means_no_escape_codes(full):
    assert "\x1b" not in render_text(full, color=False)


def test_a_plan_without_changes(empty, golden):
    assert render_text(empty, color=False) == (
        "client 10432210 Muster Holding AG (serial 41): no changes\n"
        "client 20567001 Rossi & Figli *Lago* SA <Lugano> (serial 3): no changes\n"
        "\n"
        "No changes. The bank matches the declarations.\n"
    )
    golden("empty.txt", render_text(empty, color=False))


def test_a_plan_without_relationships(empty):
    assert render_text({**empty, "clients": []}, color=False) == (
        "No changes. The bank matches the declarations.\n"
    )


def test_a_replacement_counts_as_one_create_and_one_delete(full):
    only_key = dict(full["clients"][0], changes=[full["clients"][0]["changes"][14]])
    assert only_key["changes"][0]["action"] == "replace"
    text = render_text({**full, "clients": [only_key]}, color=False)
    assert text.endswith("\nPlan: 1 to create, 0 to change, 1 to delete, 0 manual.\n")


def test_the_order_of_keys_in_the_json_does_not_matter(full):
    def reversed_keys(value):
        if isinstance(value, dict):
            return {k: reversed_keys(value[k]) for k in reversed(list(value))}
        if isinstance(value, list):
            return [reversed_keys(v) for v in value]
        return value

    assert render_text(reversed_keys(full), color=False) == render_text(full, color=False)


def only(full, client: int, *addresses: str) -> dict:
    """A relationship of the full plan with only the changes at ``addresses``."""
    relationship = full["clients"][client]
    changes = [c for c in relationship["changes"] if c["address"] in addresses]
    return dict(relationship, changes=changes)


def test_the_legend_names_the_symbols_the_plan_uses(full):
    key = only(full, 0, "10432210/api_keys/erp-invoicing")
    text = render_text({**full, "clients": [key], "diagnostics": []}, color=False)
    assert text.splitlines()[:3] == [
        "-/+ replace",
        "",
        "client 10432210 Muster Holding AG (serial 41)",
    ]


RULE = "one individual admin or two collective admins, plus a reviewer who is not the author"


def test_columns_align_across_relationships(full):
    keys = only(full, 0, "10432210/api_keys/erp-payments")
    keys["approval"] = {**keys["approval"], "rule": RULE, "checkers": 1, "tier": None}
    right = only(full, 2, "30811020/users/hans.weber/authorizations/CH4431999123000889012")
    plan = {
        **full,
        "clients": [keys, right],
        "diagnostics": [],
        "options": {"allow_mass_removal": False},
    }
    assert render_text(plan, color=False) == (
        "+ create  - delete\n"
        "\n"
        "client 10432210 Muster Holding AG (serial 41)\n"
        "  API keys\n"
        "    + erp-payments                 user anna.muster\n"
        "        the bank shows a new key once; apply hands it to the secret sink, never the plan\n"
        f"  approval: {RULE}\n"
        "  eligible admins: bruno.keller, otto.alt\n"
        "\n"
        "client 30811020 Weber Treuhand GmbH (serial 7)\n"
        "  user hans.weber\n"
        "    - CH44 3199 9123 0008 8901 2   sign_collective\n"
        f"  approval: {RULE}\n"
        "  eligible admins: lena.weber\n"
        "\n"
        "Plan: 1 to create, 0 to change, 1 to delete, 0 manual.\n"
    )


def test_notes_wrap_to_the_width_with_a_hanging_indent_and_ibans_stay_whole(full):
    fallback = only(full, 0, "10432210/users/anna.muster/authorizations/CH9300762011623852957")
    text = render_text({**full, "clients": [fallback], "diagnostics": []}, color=False, width=60)
    assert text.splitlines()[4:9] == [
        "    + CH93 0076 2011 6238 5295 7   sign_collective",
        "        fallback: sign_individual not allowed on",
        "          CH93 0076 2011 6238 5295 7 (account; this contract",
        "          allows only sign_collective, capture, read),",
        "          assigned sign_collective",
    ]
