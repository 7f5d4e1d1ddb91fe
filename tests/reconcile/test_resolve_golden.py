"""Golden folders: tests/golden/resolve/<case>/{declaration.yaml, contracts.yaml, expected.json}.

Set EFCTL_UPDATE_GOLDEN=1 to rewrite expected.json from the current behaviour, then review
the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from reconcile.resolve import resolve_client

CASES = Path(__file__).parent.parent / "golden" / "resolve"


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_resolution_matches_golden(case, catalog, declare, contracts):
    folder = CASES / case
    spec = declare((folder / "declaration.yaml").read_text(encoding="utf-8"))
    bank = contracts((folder / "contracts.yaml").read_text(encoding="utf-8"))

    actual = resolve_client(spec, bank, catalog).as_dict()

    expected_file = folder / "expected.json"
    if os.environ.get("EFCTL_UPDATE_GOLDEN"):
        text = json.dumps(actual, indent=2, ensure_ascii=False) + "\n"
        expected_file.write_text(text, encoding="utf-8")
    assert actual == json.loads(expected_file.read_text(encoding="utf-8"))
