"""Golden plans: each folder under plan/ is one scenario, run through the real CLI.

A case holds ``clients/`` (declarations), ``bank/`` (the sandbox's seed), optionally
``history.yaml`` (orders executed at the bank before the plan, to make drift) and ``args``
(extra `efctl plan` arguments, one per line). Expected: ``plan.json`` (``created_at`` masked),
``plan.txt`` (`efctl plan --format text`, no colour) and ``plan.md`` (`efctl show --format
markdown`); or, for a plan the final-state rules refuse, ``stderr.txt`` and ``exit``.

EFCTL_UPDATE_GOLDEN=1 rewrites the expected files. They are the spec: read every changed line
before committing it, and fix the case, not the expectation, when the output is wrong.

The sandbox is SQLite: a plan depends on the bank only through what the store reads, and the
store tests (tests/sandbox) hold both engines to the same reads.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from efctl.cli import cli
from efctl.sandbox import open_store
from reconcile.backend import Order, OrderStatus
from reconcile.plan import Change, Plan

CASES = Path(__file__).parent / "plan"
TODAY = "2026-11-20"
CREATED_AT = "<created_at>"
UPDATE = bool(os.environ.get("EFCTL_UPDATE_GOLDEN"))


# Cases whose expected files state the right behaviour while efctl still gets it wrong: strict
# xfail (a fix makes them pass, which fails until the entry is removed); never rewritten.
def run_history(store_url: str, history: Path) -> None:
    """Execute each order of history.yaml at the bank, based on the relationship's serial now.

    An order with a ``plan_id`` stands for an earlier applied plan; ``plan_id: null`` for a
    change someone made in the bank's web UI.
    """
    with open_store(store_url) as store:
        for entry in yaml.safe_load(history.read_text(encoding="utf-8")):
            changes = tuple(Change.from_json(change) for change in entry["changes"])
            client = changes[0].address.split("/")[0]
            outcome = store.submit_order(
                Order(
                    client=client,
                    base_serial=store.read_client(client).serial,
                    plan_id=entry["plan_id"],
                    commit=None,
                    maker=entry["maker"],
                    checkers=tuple(entry["checkers"]),
                    changes=changes,
                )
            )
            assert outcome.status is OrderStatus.EXECUTED, outcome.missing


def _today(source: Path) -> str:
    own = source / "today"
    return own.read_text(encoding="utf-8").strip() if own.exists() else TODAY


def check(expected: Path, actual: str) -> None:
    if UPDATE:
        expected.write_text(actual, encoding="utf-8")
    assert expected.exists(), f"{expected} is missing: make it with EFCTL_UPDATE_GOLDEN=1"
    assert actual == expected.read_text(encoding="utf-8"), f"{expected.name} differs"


@pytest.mark.parametrize(
    "case",
    sorted(p.name for p in CASES.iterdir() if p.is_dir()),
)
def test_plan(case, tmp_path, store_url, monkeypatch):
    source, root = CASES / case, tmp_path / case
    for folder in ("clients", "bank"):
        shutil.copytree(source / folder, root / folder)
    (root / "efctl.yaml").write_text("clients: clients\nseed: bank\n", encoding="utf-8")
    monkeypatch.chdir(root)
    env = {
        "EFCTL_BACKEND": store_url,
        # a case's own day (file `today`), else one in the parallel phase of the ISO versions
        "EFCTL_TODAY": _today(source),
        "NO_COLOR": "1",
        "GITHUB_SHA": None,  # the commit is null: the case is no git repository ...
        "GITHUB_RUN_ID": None,  # and no CI run: the footer says "planned outside CI"
        "GIT_CEILING_DIRECTORIES": str(tmp_path),  # ... even inside one
        "EFCTL_CATALOG": None,
        "EFCTL_SEED": None,
    }

    def efctl(*args: str):
        return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)

    created = efctl("sandbox", "init")
    assert created.exit_code == 0, created.output
    if (source / "history.yaml").exists():
        run_history(store_url, source / "history.yaml")
    args = (source / "args").read_text().splitlines() if (source / "args").exists() else []

    planned = efctl("plan", *args, "--out", "plan.json", "--format", "text")

    if (source / "exit").exists() or (UPDATE and planned.exit_code != 0):
        check(source / "exit", f"{planned.exit_code}\n")
        check(source / "stderr.txt", planned.stderr)
        assert planned.stdout == ""
        assert not (root / "plan.json").exists()
        return
    assert planned.exit_code == 0, planned.stderr
    plan = json.loads((root / "plan.json").read_text(encoding="utf-8"))
    plan["created_at"] = CREATED_AT
    check(source / "plan.json", json.dumps(plan, indent=2, ensure_ascii=False) + "\n")
    check(source / "plan.txt", planned.stdout)
    shown = efctl("show", "plan.json", "--format", "markdown")
    assert shown.exit_code == 0, shown.stderr
    check(source / "plan.md", shown.stdout)


GOLDEN_PLANS = sorted(CASES.glob("*/plan.json"))


@pytest.mark.parametrize("path", GOLDEN_PLANS, ids=lambda path: path.parent.name)
def test_a_plan_read_back_is_the_plan_written(path):
    """Plan.from_json loses nothing: the typed plan gives back the document, id included."""
    document = json.loads(path.read_text(encoding="utf-8"))
    plan = Plan.from_json(document)
    assert plan.to_json() == document
    assert plan.plan_id == document["plan_id"]


def test_a_plan_of_format_1_is_refused_with_a_way_out(tmp_path, monkeypatch):
    """plan-format-1.json is the iso-switch plan as efctl wrote it before notes were typed."""
    shutil.copy(Path(__file__).parent / "plan-format-1.json", tmp_path / "old.json")
    monkeypatch.chdir(tmp_path)
    shown = CliRunner().invoke(cli, ["show", "old.json"], catch_exceptions=False)
    assert (shown.exit_code, shown.stdout) == (1, "")
    assert shown.stderr == (
        "efctl: error: old.json: this plan was made by an older efctl (plan format 1); plan again\n"
    )
