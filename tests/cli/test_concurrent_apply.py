"""Many runners on one bank: real processes apply at once, on SQLite and PostgreSQL.

Eight processes apply overlapping plans (two of them the same plan): each relationship is
executed exactly once, by one of the plans that hold it, and every process reports honestly
what happened to each of its relationships. A relationship another process holds is reported
``locked`` with its holder once the lock timeout passes, the others are applied without
waiting for it, and killing the holder frees it at once: no orphan lock.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from signing import enrol, keypair
from test_apply import (
    APPROVALS,
    APPROVERS,
    AUTHOR,
    CLIENTS,
    HAUSTECHNIK,
    HOLDING,
    IMMOBILIEN,
    PLAN,
    REZZONICO,
    ROCHAT,
    SIGNERS,
    applied,
    apply,
    approve,
    audited,
    bank,
    make_plan,
    report,
    states,
)

from reconcile.backend import Order, OrderStatus
from reconcile.plan import Change

# Both engines: concurrent applies meet in the bank's locks and transactions.
pytestmark = pytest.mark.stores("sqlite", "postgresql")

ROOT = Path(__file__).resolve().parents[2]
SUCCESS = {"applied", "applied (by another run)", "already applied"}
# Overlapping sets of relationships, one plan each; the first is applied by two processes.
# Every set holds a Bärtschi relationship, where the plans' author is a user.
PLANS = (
    CLIENTS,
    (HOLDING, HAUSTECHNIK),
    (HAUSTECHNIK, IMMOBILIEN, REZZONICO),
    (IMMOBILIEN, ROCHAT),
    (HOLDING, REZZONICO, ROCHAT),
    (HAUSTECHNIK, ROCHAT),
    (HOLDING, IMMOBILIEN),
)
HELD_SINCE = "2026-11-20 12:04:31 UTC"
# Takes a relationship's lock through the store API, says so, and sleeps until it is killed.
HOLDER = """
import sys, time
from datetime import UTC, datetime
from efctl.sandbox import open_store
url, client, plan = sys.argv[1:]
with open_store(url, clock=lambda: datetime(2026, 11, 20, 12, 4, 31, tzinfo=UTC)) as bank:
    with bank.hold(client, plan, 0):
        print("held", flush=True)
        time.sleep(120)
"""


def python_process(repo, *args: str) -> subprocess.Popen:
    env = {**os.environ, **repo.env, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=repo.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def efctl_process(repo, *args: str) -> subprocess.Popen:
    return python_process(repo, "-c", "from efctl.cli import main; main()", *args)


def plan_of(repo, name: str, clients: tuple[str, ...]) -> tuple[str, str]:
    """(plan file, plan id) of a plan of CLIENTS, approved by the approvers who are users there."""
    planfile = f"plans/{name}.json"
    made = repo.efctl("plan", "--out", planfile, *(f"--client={c}" for c in clients))
    assert made.exit_code == 0, made.output
    plan_id = json.loads((repo.root / planfile).read_text(encoding="utf-8"))["plan_id"]
    at_bank = states(repo)
    approvers = [
        u for u in APPROVERS if any(u in {s.id for s in at_bank[c].users} for c in clients)
    ]
    for number, user in enumerate(approvers):
        first = ("--author", AUTHOR) if number == 0 else ()
        key = str(keypair(repo.root.parent / "keys", user))
        approved = repo.efctl("approve", planfile, "--as", user, *first, "--key", key)
        assert approved.exit_code == 0, approved.output
    return planfile, plan_id


def test_eight_appliers_of_overlapping_plans_execute_each_relationship_once(examples_repo):
    enrol(examples_repo, examples_repo.root.parent / "keys", SIGNERS)
    before = states(examples_repo)
    plans = [plan_of(examples_repo, f"p{n}", clients) for n, clients in enumerate(PLANS)]
    runs = [
        efctl_process(
            examples_repo,
            *("apply", planfile, "--approvals", planfile.replace(".json", ".approvals.json")),
            "--format=json",
        )
        for planfile, _ in [plans[0], *plans]
    ]
    finished = [(run.wait(timeout=120), *run.communicate()) for run in runs]  # no deadlock

    entries = [(client, plan_id) for client, plan_id, *_ in audited(examples_repo) if plan_id]
    assert sorted(client for client, _ in entries) == sorted(CLIENTS)  # each exactly once
    executed = dict(entries)
    assert states(examples_repo) == {c: applied(before[c]) for c in CLIENTS}
    applied_by: dict[str, int] = dict.fromkeys(CLIENTS, 0)
    for (code, out, err), (_, plan_id) in zip(finished, [plans[0], *plans], strict=True):
        assert "Traceback" not in err and "internal error" not in err, err
        outcomes = {r["client"]: r["outcome"] for r in json.loads(out)["results"]}
        for client, outcome in outcomes.items():
            # a relationship another plan executed first has moved on: stale for this one
            assert outcome in (SUCCESS if executed[client] == plan_id else {"stale"}), outcomes
            applied_by[client] += outcome == "applied"
        repeat = set(outcomes.values()) == {"already applied"}
        assert code == (0 if set(outcomes.values()) <= SUCCESS and not repeat else 1), outcomes
    assert applied_by == dict.fromkeys(CLIENTS, 1)


def test_a_held_relationship_names_its_holder_and_is_free_once_the_holder_is_killed(
    examples_repo,
):
    plan = make_plan(examples_repo)
    approve(examples_repo, plan, *APPROVERS)
    before = states(examples_repo)
    # Another run of this plan holds HOLDING (a process that took the lock through the store).
    holder = python_process(
        examples_repo, "-c", HOLDER, examples_repo.env["EFCTL_BACKEND"], HOLDING, plan["plan_id"]
    )
    try:
        assert holder.stdout.readline() == "held\n", holder.stderr.read()
        planned = examples_repo.efctl("plan")  # plans only read: they never wait
        assert planned.exit_code == 0, planned.output
        # No wait at all (0 s): the other relationships are applied, never held up by HOLDING.
        result = apply(examples_repo, "--lock-timeout", "0")
        after = states(examples_repo)
        execute_order(examples_repo, plan, HOLDING)  # what the holder does meanwhile

        # A second apply waits for HOLDING; once it says so, the holder is killed (kill -9).
        waiter = efctl_process(
            examples_repo, "apply", PLAN, "--approvals", APPROVALS, "--lock-timeout", "20"
        )
        waiting = waiter.stderr.readline()
    finally:
        holder.kill()
        holder.wait()
    resumed, rest = waiter.communicate(timeout=60)

    by = (
        f"efctl apply of plan {plan['plan_id'][:19]}…, pid {holder.pid} on host"
        f" {socket.gethostname()}, since {HELD_SINCE}"
    )
    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout == report(
        plan,
        f"  {HOLDING}  locked   relationship {HOLDING} is being applied by {by} (waited 0 s);"
        " run this apply again once that one has finished (what it applied stays applied),"
        " or wait longer: --lock-timeout SECONDS",
        f"  {HAUSTECHNIK}  applied  order {HAUSTECHNIK}-1 executed, serial 41 -> 42",
        f"  {IMMOBILIEN}  applied  order {IMMOBILIEN}-2 executed, serial 23 -> 24",
        f"  {REZZONICO}  applied  order {REZZONICO}-1 executed, serial 8 -> 9",
        f"  {ROCHAT}  applied  order {ROCHAT}-1 executed, serial 12 -> 13",
        "Apply: 4 applied, 1 locked.",
    )
    assert after == {**{c: applied(before[c]) for c in CLIENTS}, HOLDING: before[HOLDING]}

    # The holder was killed while holding: its lock went with it, and the waiter, which had
    # 20 s left, took it (an orphan lock would have left HOLDING locked). Having waited for a
    # run of the same plan, it reports HOLDING applied by that run: a success, not a repeat.
    assert waiting == (
        f"efctl: relationship {HOLDING} is being applied by {by}; waiting up to 20 s\n"
    )
    assert (waiter.returncode, rest) == (0, "")
    assert resumed == report(
        plan,
        f"  {HOLDING}  applied (by another run)  order {HOLDING}-1 executed this plan while"
        " this run waited for its lock",
        *(
            f"  {client}  already applied           order {client}-{n} executed this plan"
            for client, n in ((HAUSTECHNIK, 1), (IMMOBILIEN, 2), (REZZONICO, 1), (ROCHAT, 1))
        ),
        "Apply: 4 already applied, 1 applied (by another run).",
    )
    assert states(examples_repo) == {c: applied(before[c]) for c in CLIENTS}


def execute_order(repo, plan: dict, client: str) -> None:
    """CLIENT's order of PLAN executed at the bank, as the run holding CLIENT would."""
    [entry] = [c for c in plan["clients"] if c["client"] == client]
    changes = tuple(Change.from_json(change) for change in entry["changes"])
    order = Order(
        client, entry["serial"], plan["plan_id"], plan["source"]["commit"], AUTHOR,
        ("regula.zuercher",), changes,
    )  # fmt: skip
    with bank(repo) as store:
        assert store.submit_order(order).status is OrderStatus.EXECUTED
