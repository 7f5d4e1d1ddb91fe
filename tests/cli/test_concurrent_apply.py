"""Eight real processes apply the same approved plan at once, on SQLite and PostgreSQL.

Each relationship is executed exactly once, and a run whose relationships another run applied
while it was under way succeeds: only an apply of a plan applied entirely before it began is
refused, as every second apply is.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_apply import APPROVALS, APPROVERS, CLIENTS, PLAN, approve, audited, make_plan

# Both engines: concurrent applies meet in the bank's transactions.
pytestmark = pytest.mark.stores("sqlite", "postgresql")

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 8
REFUSED = "Refused: this plan was applied before, and a plan is applied only once."


def efctl_process(repo, *args: str) -> subprocess.Popen:
    env = {**os.environ, **repo.env, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", "from efctl.cli import main; main()", *args],
        cwd=repo.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_eight_appliers_execute_each_relationship_once_and_exit_honestly(examples_repo):
    plan = make_plan(examples_repo)
    approve(examples_repo, plan, *APPROVERS)
    runs = [
        efctl_process(examples_repo, "apply", PLAN, "--approvals", APPROVALS)
        for _ in range(PROCESSES)
    ]
    finished = [(run.wait(timeout=120), *run.communicate()) for run in runs]

    executed = [client for client, plan_id, *_ in audited(examples_repo) if plan_id]
    assert sorted(executed) == sorted(CLIENTS)  # each relationship exactly once
    for code, out, err in finished:
        assert "stale" not in out + err
        assert "internal error" not in err
        assert (code == 0) or (code == 1 and REFUSED in out), (code, out, err)
    assert any(code == 0 for code, *_ in finished)
