"""The drift job's pull requests, run as the workflow runs them against the sandbox bank with a
fake `gh` and a real git remote: one deleting expired entries (efctl/expire), one per
relationship adopting a change made in the bank's web UI (efctl/adopt/CLIENT)."""

from __future__ import annotations

import json
import subprocess

import pytest

STEP = "Propose pull requests for expired entries and changes made at the bank"

# Dora's access ends yesterday (the fixtures' day is 2026-11-20); her comment goes with her.
EXPIRING = """\
# The declaration on main: what the bank holds, and Dora for a while.
version: 1
client: {id: "10000001", name: Testfirma AG, language: de}
users:
  - id: anna.muster
    name: Anna Muster
    email: anna.muster@example.ch
    github: anna-m
    admin: collective
    authorizations:
      all: {account: sign_collective, deposit: read}   # Anna signs with Bruno
  - id: bruno.keller
    name: Bruno Keller
    email: bruno.keller@example.ch
    github: bruno-k
    admin: collective
    authorizations:
      copy_from: anna.muster
  - {id: carla.rossi, name: Carla Rossi, authorizations: {all: {account: read}}}
  - id: dora.meier    # the temporary bookkeeper
    name: Dora Meier
    email: dora.meier@example.ch
    github: dora-m
    until: 2026-11-19
    authorizations:
      all: {account: capture}
"""
CARLA = """\
  - id: carla.rossi
    name: Carla Rossi
    language: de
    authorizations: {CH9300762011623852957: read}
"""
WEB_ORDER = """\
orders:
  - id: WEB-1
    maker: anna.muster
    created: "2026-11-18T09:30:00+01:00"
    changes:
      - address: 10000001/users/bruno.keller/authorizations/DP-10000001-1
        action: delete
        resource: authorization
        before: {profile: read}
"""
BRUNO_ADOPTED = """\
      copy_from: anna.muster
      single:
        - {contract: DP-10000001-1, profile: none}
  - {id: carla.rossi, name: Carla Rossi, authorizations: {all: {account: read}}}
"""


def efctl(workspace, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["efctl", *args], cwd=workspace.root, env=workspace.env(), capture_output=True, text=True
    )


@pytest.fixture
def drifted(workspace, tmp_path):
    """Main declares Dora until yesterday; in the web UI Anna took Bruno's savings right away
    and Bruno authorised it. The repository has a remote the job pushes its branches to. (Carla
    is a fourth user: deleting one user of three would be a mass removal.)"""
    (workspace.root / "clients/10000001.yaml").write_text(EXPIRING, encoding="utf-8")
    seed = workspace.root / "bank/10000001.yaml"
    text = seed.read_text(encoding="utf-8").replace("deliveries:", CARLA + "deliveries:")
    seed.write_text(text + WEB_ORDER, encoding="utf-8")
    efctl(workspace, "sandbox", "reset")
    workspace.git("commit", "-qam", "Dora until yesterday; the bank holds an order of the web UI")
    approved = efctl(workspace, "orders", "approve", "WEB-1", "--as", "bruno.keller")
    assert approved.returncode == 0, approved.stderr
    remote = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    workspace.git("remote", "add", "origin", str(remote))
    [entry] = json.loads(efctl(workspace, "audit", "show", "--format", "json").stdout)
    return remote, entry["at"], workspace.git("rev-parse", "HEAD")


def on_branch(remote, branch: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(remote), "show", f"{branch}:clients/10000001.yaml"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


def test_drift_proposes_the_expiry_and_the_adoption_and_updates_them_the_next_day(
    workspace, github, job, drifted
):
    remote, at, sha = drifted

    run = job("drift.yml", "propose", sha=sha)

    assert run.step(STEP).returncode == 0, run.step(STEP).stderr
    assert run.step(STEP).stdout == (
        "efctl/expire: opened a pull request\nefctl/adopt/10000001: opened a pull request\n"
    )
    pulls = {p["head"]["ref"]: p for p in github.state()["pulls"].values()}
    assert sorted(pulls) == ["efctl/adopt/10000001", "efctl/expire"]
    expire, adoption = pulls["efctl/expire"], pulls["efctl/adopt/10000001"]
    assert (expire["title"], expire["base"], expire["state"]) == (
        "efctl: delete expired access from the declarations",
        {"ref": "main"},
        "open",
    )
    assert expire["body"] == (
        "These entries expired (their `until` has come, as of 2026-11-20): the plan already "
        "removes what they granted. This pull request deletes them from the declarations, so "
        "the files stay true.\n\n"
        "- `clients/10000001.yaml` (10000001): user dora.meier: expired on 2026-11-19\n"
    )
    assert on_branch(remote, "efctl/expire") == EXPIRING.split("  - id: dora.meier")[0]
    assert adoption["title"] == "efctl: adopt what changed at the bank in 10000001"
    assert adoption["body"] == (
        "Someone changed relationship 10000001 (Testfirma AG) at the bank. This pull request "
        "adopts it into `clients/10000001.yaml` with the smallest edit.\n\n"
        "| changed at the bank | who, where, when |\n|---|---|\n"
        f"| - bruno.keller on DP-10000001-1: read | by anna.muster in the web UI at {at} "
        "(order WEB-1) |\n\n"
        "2 other change(s) of the plan come from the declaration, not from the bank; they are "
        "not touched here.\n\n"
        "Merging this pull request adopts the change: the next plan shows none for it. Closing "
        "it leaves the declaration as it is, and the next apply reverts the bank's change.\n"
    )
    assert BRUNO_ADOPTED in on_branch(remote, "efctl/adopt/10000001")
    assert workspace.git("status", "--porcelain", "--untracked-files=no") == ""  # as it was

    # merging the adoption keeps the bank's change: only Dora's expiry is left to plan
    workspace.git("fetch", "-q", "origin", "efctl/adopt/10000001", "efctl/expire")
    workspace.git("checkout", "-q", "origin/efctl/adopt/10000001")
    adopted = json.loads(efctl(workspace, "plan", "--format", "json").stdout)
    assert [(c["address"], c["notes"][-1]["kind"]) for c in adopted["clients"][0]["changes"]] == [
        ("10000001/users/dora.meier", "expired"),
        ("10000001/users/dora.meier/authorizations/CH9300762011623852957", "expired"),
    ]
    # merging the expiry too: the same plan, now without the entries (applying it and planning
    # no change after is tests/cli/test_expiry.py's)
    workspace.git("merge", "-q", "--no-edit", "origin/efctl/expire")
    merged = json.loads(efctl(workspace, "plan", "--format", "json").stdout)
    assert [c["address"] for c in merged["clients"][0]["changes"]] == [
        "10000001/users/dora.meier",
        "10000001/users/dora.meier/authorizations/CH9300762011623852957",
    ]

    # the next day's run finds the open pull requests and updates them, opening none
    workspace.git("checkout", "-q", sha)
    again = job("drift.yml", "propose", sha=sha)
    assert again.step(STEP).stdout == (
        f"efctl/expire: updated pull request #{expire['number']}\n"
        f"efctl/adopt/10000001: updated pull request #{adoption['number']}\n"
    )
    assert len(github.state()["pulls"]) == 2
