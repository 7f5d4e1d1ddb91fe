"""Every diagnostic code, end to end through `efctl validate`: exact stderr and exit code.

Each folder under codes/ is one case: ``clients/`` (declarations validated against the bank in
tests/cli/bank), ``expected.txt`` (stderr) and optionally ``today`` (the EFCTL_TODAY of the case,
else the fixtures' day in the parallel phase). EFCTL_UPDATE_GOLDEN=1 rewrites expected.txt;
review the diff before committing it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from reconcile.diagnostics import CODES

CASES = Path(__file__).parent / "codes"
SEED_ONLY = {"EF201"}  # bank seeds, tested in tests/sandbox
PLAN_ONLY = {
    code for code in CODES if code.startswith("EF3")
}  # final-state rules, tests/golden/plan


def test_every_declaration_code_has_a_case():
    assert sorted(p.name for p in CASES.iterdir()) == sorted(set(CODES) - SEED_ONLY - PLAN_ONLY)


@pytest.mark.parametrize("code", sorted(p.name for p in CASES.iterdir()))
def test_validate_reports_exactly(code, repo):
    if code == "EF005":  # over the 1 MiB limit: made here, not kept in git
        repo.write("clients/10000001.yaml", "version: 1\n" + "# padding\n" * 110_000)
    else:
        shutil.rmtree(repo.root / "clients")
        shutil.copytree(CASES / code / "clients", repo.root / "clients")

    if (CASES / code / "today").exists():
        repo.env["EFCTL_TODAY"] = (CASES / code / "today").read_text(encoding="utf-8").strip()
    result = repo.efctl("validate")

    expected_file = CASES / code / "expected.txt"
    if os.environ.get("EFCTL_UPDATE_GOLDEN"):
        expected_file.write_text(f"exit {result.exit_code}\n{result.stderr}", encoding="utf-8")
    expected = expected_file.read_text(encoding="utf-8")
    assert f"exit {result.exit_code}\n{result.stderr}" == expected
    assert f" {code}: " in result.stderr
