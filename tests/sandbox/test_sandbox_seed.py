"""Seed folders: the exact bank state they give, and every problem located to file:line:col."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from efctl.declarations.schema import load_schema
from efctl.sandbox import SandboxError, SeedError, load_seed
from efctl.sandbox.rules import api_key_expiry


def test_good_seed_gives_the_exact_states_sorted_by_key(good_seed, good_states):
    assert load_seed(good_seed) == good_states


def located(diagnostics, seed_dir) -> list[str]:
    """file:line:col: CODE message, with the file relative to the seed folder."""
    return [
        f"{Path(d.file).relative_to(seed_dir)}:{d.line}:{d.col}: {d.code} {d.message}"
        for d in diagnostics
    ]


def test_bad_seed_reports_every_problem_of_every_file_located(bad_seed):
    with pytest.raises(SeedError) as caught:
        load_seed(bad_seed)
    found = located(caught.value.diagnostics, bad_seed)
    assert [line for line in found if not line.startswith("10000002.yaml")] == [
        "10000001.yaml:5:10: EF201 contract id 'CH5604835012345678009' appears twice in contracts"
        " (first on line 4)",
        "10000001.yaml:12:7: EF102 user 'anna.muster' holds a right on contract"
        " 'CH0000000000000000000', which is not among the contracts of this file",
        "10000001.yaml:13:10: EF101 user id 'anna.muster' appears twice in users (first on line 7)",
        "10000001.yaml:13:49: EF112 github login 'anna-m' appears twice in users (first on line 9)",
        "10000001.yaml:15:5: EF011 delivery 'D-1' (camt.053) is missing 'iso_version'",
        "10000001.yaml:15:25: EF102 delivery 'D-1' is of contract 'CH9999', which is not among the"
        " contracts of this file",
        "10000001.yaml:16:78: EF013 delivery 'D-2' (statement) is a PDF document and has no ISO"
        " version",
        "10000001.yaml:17:73: EF013 delivery 'D-3': camt.053 has no variant 'detailed'",
        "10000001.yaml:18:99: EF013 delivery 'D-4': the incremental camt.052 exists only in ISO"
        " version 2019",
        "10000001.yaml:20:23: EF107 API key 'erp' belongs to user 'carla.rossi', who is not among"
        " the users of this file",
        "10000001.yaml:21:12: EF115 API key name 'erp' appears twice in api_keys"
        " (first on line 20)",
        "10000003.yaml:2:14: EF114 client relationship 10000001 is already seeded in"
        f" {bad_seed}/10000001.yaml",
    ]


def test_schema_problems_of_a_seed_are_located_too(bad_seed):
    with pytest.raises(SeedError) as caught:
        load_seed(bad_seed)
    found = located(caught.value.diagnostics, bad_seed)
    # The wording of schema problems is the loader's; here: the right code at the right key.
    assert [line.partition(" EF010 ")[0] for line in found if "EF010" in line] == [
        "10000002.yaml:4:42:"
    ]


def test_seed_error_carries_the_diagnostics_and_a_message_that_points_at_them(bad_seed):
    with pytest.raises(SeedError) as caught:
        load_seed(bad_seed)
    error = caught.value
    assert len(error.diagnostics) == 13
    assert error.message == f"the bank seed in {bad_seed} has 13 problems (listed above)"
    assert error.hint == "fix the seed files; the sandbox bank was left as it was"


def test_missing_seed_folder(tmp_path):
    with pytest.raises(SandboxError) as caught:
        load_seed(tmp_path / "nowhere")
    assert caught.value.message == f"no seed folder at {tmp_path / 'nowhere'}"


def test_seed_folder_without_yaml_files(tmp_path):
    (tmp_path / "notes.txt").write_text("not a seed")
    with pytest.raises(SandboxError) as caught:
        load_seed(tmp_path)
    assert caught.value.message == f"no *.yaml files in the seed folder {tmp_path}"


@pytest.mark.parametrize(
    ("created", "expires"),
    [
        (date(2025, 3, 1), date(2027, 3, 1)),
        (date(2024, 2, 29), date(2026, 2, 28)),
        (date(2023, 12, 31), date(2025, 12, 31)),
    ],
)
def test_api_key_expires_two_years_after_creation(created, expires):
    assert api_key_expiry(created) == expires


def test_the_seed_schema_describes_every_property_and_closes_every_object():
    schema = load_schema("bank-state")
    Draft202012Validator.check_schema(schema)

    def objects(node):
        if isinstance(node, dict):
            if node.get("type") == "object":
                yield node
            for value in node.values():
                yield from objects(value)
        elif isinstance(node, list):
            for value in node:
                yield from objects(value)

    found = list(objects(schema))
    assert len(found) == 10
    for node in found:
        assert node["additionalProperties"] is not True
        assert all("description" in p for p in node.get("properties", {}).values())
