"""The plan, apply and drift jobs end to end: their steps run exactly as the workflow files call
them, against the sandbox bank, with a fake GitHub behind `gh`."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from string import Template

import pytest
from conftest import job_runner, make_bin_dir, make_github, make_workspace
from workflow_runner import JobRun

FIXTURES = Path(__file__).parent / "fixtures"
PR = 7
MARKER = "<!-- efctl-plan part {} -->\n"
BANK_USERS = ["anna.muster", "bruno.keller", "dora.meier"]
BASE_TIP = "b" * 40  # what GITHUB_SHA names in a pull_request_target run: the base branch's tip


def pull_request_event(head: str, base: str) -> dict:
    return {
        "pull_request": {
            "number": PR,
            "head": {"sha": head, "repo": {"full_name": "acme/bank-admin"}},
            "base": {"sha": base},
        }
    }


def open_pull_request(workspace, version: str = "head", message: str = "a new colleague") -> dict:
    """Pull request 7 from the branch new-colleague, declaring VERSION; main stays at the base.

    The plan job checks the head out as data in pr/ (the base's code runs, never the head's),
    so the head is a worktree there.
    """
    base = workspace.git("rev-parse", "HEAD")
    workspace.git("checkout", "-q", "-b", "new-colleague")
    head = workspace.declare(version, message) if version else workspace.git("rev-parse", "HEAD")
    workspace.git("checkout", "-q", "main")
    workspace.git("worktree", "add", "-q", "--detach", "pr", head)
    return {"base": base, "head": head, "event": pull_request_event(head, base)}


def push_to_pull_request(workspace, message: str) -> dict:
    """Commit what pr/ holds now as the next head of pull request 7."""
    workspace.git("-C", "pr", "commit", "-qam", message)
    head = workspace.git("-C", "pr", "rev-parse", "HEAD")
    return {"head": head, "event": pull_request_event(head, workspace.git("rev-parse", "main"))}


def comment(id_: int, body: str, login: str = "github-actions[bot]") -> dict:
    return {"id": id_, "body": body, "user": {"login": login}}


def plan_pull_request(workspace, github, job, event: dict, *, shards=1, reports=False) -> JobRun:
    """plan.yml as GitHub runs it for EVENT: the shards job lists the matrix (SHARDS), each
    shard job plans its share and hands its out/ on as an artifact of this run (4242), the plan
    job downloads them, merges, comments and keeps the plan. Their steps, in that order."""
    head = event["pull_request"]["head"]["sha"]
    output = workspace.root.parent / "github-output"
    output.unlink(missing_ok=True)
    set_shards(workspace, shards)
    listed = job("plan.yml", "shards", sha=BASE_TIP, event=event)
    assert listed.ok, [(s.name, s.stdout, s.stderr) for s in listed.steps]
    matrix = json.loads(output.read_text().removeprefix("shards="))
    runs, handed = [listed], {}
    for index, shard in enumerate(matrix):
        runs.append(
            job(
                "plan.yml",
                "shard",
                sha=BASE_TIP,
                event=event,
                matrix={"shard": shard},
                strategy={"job-index": index},
            )
        )
        handed[f"efctl-plan-shard-{index}"] = workspace.root.parent / f"shard-{index}"
        shutil.rmtree(handed[f"efctl-plan-shard-{index}"], ignore_errors=True)
        shutil.move(workspace.root / "out", handed[f"efctl-plan-shard-{index}"])  # a new runner
    state = github.state()
    github.add_run("plan.yml", head, "pull_request_target", handed, databaseId=4242)
    result = "success" if all(run.ok for run in runs) else "failure"
    merged = job(
        "plan.yml", "plan", sha=BASE_TIP, event=event, reports=reports,
        needs={"shard": {"result": result}},
    )  # fmt: skip
    github.update(runs=state["runs"])  # the run in progress: not one apply could fetch from
    return JobRun([step for run in (*runs, merged) for step in run.steps])


def plan_markdown(run: JobRun, step: str = "Validate and plan") -> str:
    """The markdown `efctl plan` printed in the plan step (validate, clean, prints nothing), or
    `efctl show` in the merge step of shards, between the lines that stop and resume workflow
    commands, whose token is random."""
    start, *markdown, end = run.step(step).stdout.splitlines(keepends=True)
    token = start.removeprefix("::stop-commands::").strip()
    assert token.startswith("efctl-") and len(token) == len("efctl-") + 32, start
    assert end == f"::{token}::\n"
    return "".join(markdown)


# --- plan on a pull request ---------------------------------------------------------------


def test_plan_posts_the_plan_then_updates_the_same_comment(workspace, github, job):
    pull = open_pull_request(workspace)
    run = plan_pull_request(workspace, github, job, pull["event"], reports=True)

    assert run.ok, [(s.name, s.stderr) for s in run.steps]
    plan = json.loads((workspace.root / "out/plan.json").read_text())
    assert plan["source"]["commit"] == pull["head"]  # the reviewed head, not the base
    [posted] = github.comments(PR)
    assert posted["body"] == MARKER.format(1) + plan_markdown(run)
    assert "elias.brunner" in posted["body"]
    upload = run.step("Keep the plan (the one apply executes after the merge)")
    assert upload.ran and upload.with_["path"] == "out/plan.json"
    changed = sorted(c["client"] for c in plan["clients"] if c["changes"])
    assert sorted(p.name for p in (workspace.root / "out/reports").iterdir()) == sorted(
        f"{kind}-{client}-{language}.pdf"
        for kind in ("authorizations", "deliveries")
        for client, language in ((c, _language(workspace, c)) for c in changed)
    )
    assert run.step("Keep the reports (the state after the plan, per relationship it changes)").ran

    declared = workspace.root / "pr/clients/10000001.yaml"
    declared.write_text(declared.read_text().replace("{account: read}", "{account: capture}"))
    pushed = push_to_pull_request(workspace, "capture, not read")
    again = plan_pull_request(workspace, github, job, pushed["event"])

    assert again.ok
    [updated] = github.comments(PR)
    assert updated["id"] == posted["id"]
    assert updated["body"] == MARKER.format(1) + plan_markdown(again)
    assert "capture" in updated["body"]
    writes = [call for call in github.calls() if call[0] not in ("GET", "run download")]
    assert writes == [
        ("POST", f"repos/acme/bank-admin/issues/{PR}/comments"),
        ("PATCH", f"repos/acme/bank-admin/issues/comments/{posted['id']}"),
    ]


def _language(workspace, client: str) -> str:
    """The relationship's language, as its declaration in the pull request's head says."""
    declared = (workspace.root / f"pr/clients/{client}.yaml").read_text()
    return re.search(r"language: (\w\w)", declared).group(1)


def test_plan_deletes_stale_parts_and_touches_no_one_elses_comment(workspace, github, job):
    github.update(
        comments={
            str(PR): [
                comment(1, MARKER.format(1) + "old part 1"),
                comment(2, "Looks good to me", login="anna-m"),
                comment(3, MARKER.format(2) + "old part 2"),
                comment(4, MARKER.format(1) + "a copy of part 1", login="mallory"),
                comment(5, MARKER.format(1) + "a second part 1"),
                comment(6, MARKER.format(3) + "old part 3"),
            ]
        }
    )
    pull = open_pull_request(workspace)
    run = plan_pull_request(workspace, github, job, pull["event"])

    assert run.ok
    assert [(c["id"], c["body"]) for c in github.comments(PR)] == [
        (1, MARKER.format(1) + plan_markdown(run)),
        (2, "Looks good to me"),
        (4, MARKER.format(1) + "a copy of part 1"),
    ]
    assert run.step("Comment the plan on the pull request").stdout.splitlines() == [
        "updated the plan comment, part 1 (1)",
        "deleted the stale plan comment 3",
        "deleted the stale plan comment 5",
        "deleted the stale plan comment 6",
    ]


def test_invalid_declarations_are_annotated_on_the_diff_and_fail_the_check_with_a_comment(
    workspace, github, job
):
    open_pull_request(workspace)
    declared = (FIXTURES / "head/10000001.yaml").read_text()
    (workspace.root / "pr/clients/10000001.yaml").write_text(
        declared.replace("{account: capture}", "{account: admin}").replace(
            "    email: elias.brunner@example.ch\n"
            "    authorizations:\n"
            "      all: {account: read}\n",
            "    email: elias.brunner@example.ch\n"
            "    github: elias.brunner@example.ch\n"
            "    authorizations:\n"
            "      all: {account: read}\n"
            "      single:\n"
            "        - {contract: CH5604835012345678009, profile: read}\n",
        )
    )
    pushed = push_to_pull_request(workspace, "a profile that does not exist, an e-mail for a login")
    run = plan_pull_request(workspace, github, job, pushed["event"])

    step = run.step("Validate and plan")
    assert step.returncode == 1
    assert step.stdout.splitlines() == [
        "::error file=clients/10000001.yaml,line=24,col=22,title=EF014::unknown profile 'admin'"
        "%0Ahint: allowed: sign_individual, sign_collective, capture, read, none",
        "::error file=clients/10000001.yaml,line=28,col=13,title=EF015::"
        "users[3].github (elias.brunner): 'e***@example.ch' has the wrong format"
        "%0Ahint: A GitHub login is letters, digits and single hyphens, "
        "not starting or ending with a hyphen.",
        "::error file=clients/10000001.yaml,line=32,col=22,title=EF102::"
        "unknown contract 'CH56 **** **** **** *800 9' in single of user 'elias.brunner': "
        "client relationship 10000001 has no such contract"
        "%0Ahint: contracts of 10000001: CH93 **** **** **** *295 7, DP-10000001-1",
        "3 errors, 0 warnings in 1 file",
    ]
    bank = workspace.backend.removeprefix("sqlite:///")
    assert step.stderr == (  # the log holds no e-mail address or IBAN either
        f"efctl: created the sandbox bank at {bank} from {workspace.root / 'pr/bank'} "
        "(1 relationship)\n"
    )
    assert run.step("Comment the plan on the pull request").returncode == 0
    assert not run.step("Keep the plan (the one apply executes after the merge)").ran
    [posted] = github.comments(PR)
    assert posted["body"] == MARKER.format(1) + (
        "### efctl could not plan this pull request\n\n"
        "`efctl validate` or `efctl plan` failed. The problems of the declarations are annotated "
        "on their\nlines (under *Files changed*, e-mail addresses and IBANs masked) and listed in "
        "the log of\n[the workflow run](https://github.com/acme/bank-admin/actions/runs/4242); "
        "`efctl validate` shows them\nin full locally.\n"
    )


SECOND = "10000003"  # a second relationship, in the other of two shards than 10000001


def with_a_second_relationship(workspace) -> None:
    """Main declares (and the bank seed holds) SECOND as well: a copy of 10000001."""
    for folder in ("bank", "clients"):
        text = (workspace.root / folder / "10000001.yaml").read_text()
        copy = text.replace("10000001", SECOND).replace("CH9300762011623852957", IBAN_2)
        (workspace.root / folder / f"{SECOND}.yaml").write_text(copy)
    workspace.git("add", "-A")
    workspace.git("commit", "-qm", "a second relationship")


IBAN_2 = "CH5604835012345678009"


def test_a_pull_request_is_planned_for_the_relationships_it_changes_in_shards_too(
    workspace, github, job
):
    with_a_second_relationship(workspace)
    open_pull_request(workspace, version="")
    head = (FIXTURES / "head/10000001.yaml").read_text()
    (workspace.root / "pr/clients/10000001.yaml").write_text(head)
    pushed = push_to_pull_request(workspace, "a new colleague at 10000001 only")
    base = workspace.git("merge-base", "main", pushed["head"])

    run = plan_pull_request(workspace, github, job, pushed["event"])

    assert run.ok, [(s.name, s.stderr) for s in run.steps]
    plan = json.loads((workspace.root / "out/plan.json").read_text())
    assert [c["client"] for c in plan["clients"]] == ["10000001"]
    assert plan["options"]["changed_since"] == {"ref": base, "commit": base, "all": False}
    [posted] = github.comments(PR)
    assert posted["body"] == MARKER.format(1) + plan_markdown(run)
    assert (
        "> [!NOTE]\n> Partial plan: only the relationships whose declarations changed since "
        f"{base[:12]}" in posted["body"]
    )

    # the same pull request touching both, planned by two shard jobs and merged
    (workspace.root / f"pr/clients/{SECOND}.yaml").write_text(
        head.replace("10000001", SECOND).replace("CH9300762011623852957", IBAN_2)
    )
    pushed = push_to_pull_request(workspace, "and at the second")
    sharded = plan_pull_request(workspace, github, job, pushed["event"], shards=2)

    assert sharded.ok, [(s.name, s.stderr) for s in sharded.steps]
    shard_plans = [
        json.loads((workspace.root.parent / f"shard-{i}/plan.json").read_text()) for i in (0, 1)
    ]
    assert [[c["client"] for c in p["clients"]] for p in shard_plans] == [[SECOND], ["10000001"]]
    merged = json.loads((workspace.root / "out/plan.json").read_text())
    unsharded = subprocess.run(
        ["efctl", "plan", "--changed-since", base, "--format", "json"],
        cwd=workspace.root / "pr",
        env=workspace.env(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert merged["plan_id"] == json.loads(unsharded.stdout)["plan_id"]
    assert [c["client"] for c in merged["clients"]] == ["10000001", SECOND]
    [updated] = github.comments(PR)
    assert updated["body"] == MARKER.format(1) + plan_markdown(sharded, "Merge the shard plans")
    assert merged["plan_id"].removeprefix("sha256:")[:12] in updated["body"]


def set_shards(workspace, count: object) -> None:
    """EFCTL_SHARDS in the workspace's plan.yml, as a pull request to main would set it."""
    workflow = workspace.root / ".github/workflows/plan.yml"
    text = re.sub(r'EFCTL_SHARDS: "[^"]*"', f'EFCTL_SHARDS: "{count}"', workflow.read_text())
    workflow.write_text(text)


def test_the_shards_job_lists_efctl_shards_shares(workspace, job):
    output = workspace.root.parent / "github-output"
    for value, listed in (("", '["1/1"]'), ("3", '["1/3","2/3","3/3"]')):
        set_shards(workspace, value)
        run = job("plan.yml", "shards", sha=BASE_TIP)
        assert run.ok
        assert output.read_text().splitlines()[-1] == f"shards={listed}"
    set_shards(workspace, "0")
    refused = job("plan.yml", "shards", sha=BASE_TIP).step("List the shards")
    assert (refused.returncode, refused.stdout) == (
        1,
        "::error::EFCTL_SHARDS is '0' in plan.yml: a number of shards from 1 to 64\n",
    )


def test_plan_comment_posts_every_part_in_order_and_drops_parts_a_shorter_plan_has_not(
    workspace, github, tmp_path
):
    parts = tmp_path / "comment"
    parts.mkdir()
    for number in (1, 2, 3):
        (parts / f"plan-{number}.md").write_text(f"part {number} of the plan\n")
    env = {
        **workspace.env(),
        "FAKE_GH_STATE": str(github.state_path),
        "GITHUB_REPOSITORY": "acme/bank-admin",
        "PR_NUMBER": str(PR),
    }
    script = workspace.root / ".github/scripts/plan-comment.sh"

    subprocess.run([script, parts], env=env, check=True, capture_output=True)
    assert [c["body"] for c in github.comments(PR)] == [
        MARKER.format(n) + f"part {n} of the plan\n" for n in (1, 2, 3)
    ]

    (parts / "plan-3.md").unlink()
    (parts / "plan-2.md").write_text("the new part 2\n")
    subprocess.run([script, parts], env=env, check=True, capture_output=True)
    assert [c["body"] for c in github.comments(PR)] == [
        MARKER.format(1) + "part 1 of the plan\n",
        MARKER.format(2) + "the new part 2\n",
    ]

    (parts / "plan-1.md").unlink()
    (parts / "plan-2.md").unlink()
    refused = subprocess.run([script, parts], env=env, capture_output=True, text=True)
    assert refused.returncode == 1
    assert refused.stderr == f"plan-comment: nothing to post: {parts}/plan-1.md does not exist\n"
    assert len(github.comments(PR)) == 2


def test_a_pull_request_that_changes_no_declaration_gets_a_quick_green_plan(workspace, github, job):
    base = workspace.git("rev-parse", "HEAD")
    workspace.git("checkout", "-q", "-b", "docs")
    (workspace.root / "NOTES.md").write_text("How we work.\n")
    workspace.git("add", "NOTES.md")
    workspace.git("commit", "-qm", "notes, no declaration")
    head = workspace.git("rev-parse", "HEAD")
    workspace.git("checkout", "-q", "main")
    workspace.git("worktree", "add", "-q", "--detach", "pr", head)

    run = plan_pull_request(workspace, github, job, pull_request_event(head, base), reports=True)

    assert run.ok, [(s.name, s.stderr) for s in run.steps]
    plan = run.step("Validate and plan")
    assert (plan.stdout, plan.stderr) == (
        f"pull request changes no declaration (clients, efctl.yaml) since {base[:12]}: "
        "nothing to plan\n",
        "",  # the bank was not even opened
    )
    assert not (workspace.root / "out/plan.json").exists()
    assert run.step("Make the reports from the plan").stdout == (
        "plan-reports: no plan in out: nothing to report on\n"
    )
    assert [c["body"] for c in github.comments(PR)] == [
        MARKER.format(1) + "### efctl: nothing to plan\n\n"
        "This pull request changes no declaration (`clients`, `efctl.yaml`): "
        "merging it applies nothing.\n"
    ]


# --- apply on merge -----------------------------------------------------------------------

PLAN_ARTIFACT = "efctl-plan"


def keep_the_plan(workspace, github, head: str, tmp_path, event="pull_request_target") -> int:
    """What the plan job's upload step does: its out/plan.json becomes the artifact efctl-plan
    of a plan.yml run for HEAD; the run's id."""
    folder = tmp_path / f"artifact-{len(github.state()['runs'])}"
    folder.mkdir()
    shutil.copy(workspace.root / "out/plan.json", folder / "plan.json")
    return github.add_run("plan.yml", head, event, {PLAN_ARTIFACT: folder})


def merge(workspace) -> str:
    """Merge pull request 7 into main; the apply job runs on a new runner: no pr/, no out/."""
    workspace.git("worktree", "remove", "--force", "pr")
    shutil.rmtree(workspace.root / "out", ignore_errors=True)
    workspace.git("merge", "-q", "--no-ff", "new-colleague", "-m", "Merge pull request #7")
    return workspace.git("rev-parse", "HEAD")


def github_fixture(name: str, commits: dict) -> object:
    return json.loads(Template((FIXTURES / "github" / name).read_text()).substitute(commits))


def pulls_of_commit(pull: dict) -> list[dict]:
    """What GET commits/SHA/pulls answers: an open pull request that also holds the commit first."""
    other = {"number": 9, "merged_at": None, "merge_commit_sha": "9" * 40, "user": {"login": "x"}}
    return [other, {k: v for k, v in pull.items() if k != "merged"}]


@pytest.fixture(scope="session")
def planned_once(tmp_path_factory) -> tuple[Path, dict]:
    """Pull request 7 (a new colleague), planned by the plan job and its plan kept, once per
    test process: the folder that stands for a test's tmp_path, and the pull request."""
    folder = tmp_path_factory.mktemp("planned")
    workspace = make_workspace(folder, make_bin_dir(folder))
    github = make_github(folder)
    pull = open_pull_request(workspace)
    run = plan_pull_request(workspace, github, job_runner(workspace, github), pull["event"])
    assert run.ok, [(s.name, s.stderr) for s in run.steps]
    plan_id = json.loads((workspace.root / "out/plan.json").read_text())["plan_id"]
    run_id = keep_the_plan(workspace, github, pull["head"], folder)
    return folder, {**pull, "plan_id": plan_id, "run_id": run_id}


@pytest.fixture
def planned(workspace, github, tmp_path, planned_once):
    """`planned_once` copied into this test's tmp_path: the workspace with its git worktree,
    the bank, the fake GitHub and the plan artifact, their absolute paths made this test's."""
    folder, pull = planned_once
    shutil.rmtree(workspace.root)
    github.state_path.unlink()
    for item in folder.iterdir():
        if item.is_dir() and item.name != "bin":
            shutil.copytree(item, tmp_path / item.name, symlinks=True)
        elif item.is_file():
            shutil.copy2(item, tmp_path / item.name)
    old, new = str(folder).encode(), str(tmp_path).encode()
    for path in tmp_path.rglob("*"):
        if path.is_file() and not path.is_symlink() and "objects" not in path.parts:
            content = path.read_bytes()
            if old in content and b"\0" not in content:
                path.write_bytes(content.replace(old, new))
    return copy.deepcopy(pull)


@pytest.fixture
def merged(workspace, github, planned):
    """…then merged: GitHub knows the merge, the pull request and its reviews."""
    commits = {"base": planned["base"], "head": planned["head"], "merge": merge(workspace)}
    pull, reviews = github_fixture("pull.json", commits), github_fixture("reviews.json", commits)
    github.update(
        commit_pulls={commits["merge"]: pulls_of_commit(pull)},
        pulls={str(PR): pull},
        reviews={str(PR): reviews},
        calls=[],
    )
    return {**planned, **commits, "pull": pull, "reviews": reviews}


def outcome_comment(workspace, *rows: str) -> str:
    """The outcome part of the apply's comment: written by apply.sh, checked row by row."""
    outcome = (workspace.root / "out/outcome.md").read_text()
    table = [line for line in outcome.splitlines() if line.startswith("| 1")]
    assert [line.split(" | ")[:2] for line in table] == [row.split(" | ") for row in rows]
    assert outcome.endswith(
        "Applied by [this run](https://github.com/acme/bank-admin/actions/runs/4242); the bank"
        " executed each relationship as one order or not at all.\n"
    )
    return outcome


def applied_outcomes(workspace) -> list[tuple[str, str]]:
    applied = json.loads((workspace.root / "out/apply.json").read_text())
    return [(r["client"], r["outcome"]) for r in applied["results"]]


def reviewed_plan_lines(merged: dict) -> list[str]:
    return [
        f"the reviewed plan of pull request #{PR}: {merged['plan_id']}, kept by run "
        f"{merged['run_id']} of plan.yml for {merged['head']}"
    ]


def test_apply_applies_the_reviewed_plan_with_the_pull_requests_reviews(
    workspace, github, job, merged
):
    run = job("apply.yml", "apply", sha=merged["merge"])

    assert run.ok, [(s.name, s.stderr) for s in run.steps]
    out = workspace.root / "out"
    assert json.loads((out / "pr.json").read_text()) == merged["pull"]
    evidence = out / "evidence"
    assert json.loads((evidence / "reviews.json").read_text()) == merged["reviews"]  # both pages
    assert json.loads((evidence / "commits.json").read_text()) == []
    reviewers = sorted({review["user"]["login"] for review in merged["reviews"]})
    assert json.loads((evidence / "permissions.json").read_text()) == dict.fromkeys(
        reviewers, "write"
    )
    assert run.step("Fetch its reviews, commits and reviewers' permissions").stdout == (
        f"pull request #{PR} has {len(merged['reviews'])} review(s) and 0 commit(s)\n"
    )
    reviewed = json.loads((out / "reviewed/plan.json").read_text())
    assert reviewed["plan_id"] == merged["plan_id"]  # the plan the reviewers saw, not a new one
    assert run.step("Fetch the reviewed plan").stdout.splitlines() == reviewed_plan_lines(merged)
    assert applied_outcomes(workspace) == [("10000001", "applied")]
    assert workspace.bank_users() == [*BANK_USERS, "elias.brunner"]
    audit = [json.loads(line) for line in (out / "audit.jsonl").read_text().splitlines()]
    assert audit
    # the log shows the outcome per relationship, never the plan's or the outcome's JSON
    printed = run.step("Apply the reviewed plan").stdout.splitlines()
    assert printed[:-1] == [
        "audit chain intact: 0 entries",  # no earlier apply kept an anchor
        f"applying plan {merged['plan_id']} of pull request #{PR}",
        "10000001: applied",
        "exported 1 audit entry to out/audit.jsonl",
    ]
    assert re.fullmatch(r"audit chain intact: 1 entry, last hash sha256:[0-9a-f]{64}", printed[-1])
    assert (out / "audit-anchor/audit-hash").read_text() == printed[-1].split()[-1] + "\n"
    assert run.step("Fetch the audit anchor of the last apply").stdout == (
        "::warning title=No audit anchor::no earlier apply kept an audit anchor: "
        "the audit chain is verified without one\n"
    )
    assert github.calls() == [
        ("run list", ""),  # the earlier applies
        ("GET", f"repos/acme/bank-admin/commits/{merged['merge']}/pulls"),
        ("GET", f"repos/acme/bank-admin/pulls/{PR}"),
        ("GET", f"repos/acme/bank-admin/pulls/{PR}/reviews"),
        ("GET", f"repos/acme/bank-admin/pulls/{PR}/commits"),
        *(
            ("GET", f"repos/acme/bank-admin/collaborators/{login}/permission")
            for login in reviewers
        ),
        ("run list", ""),
        ("run download", str(merged["run_id"])),
        ("run list", ""),  # the earlier applies' audit anchors
        ("POST", f"repos/acme/bank-admin/issues/{PR}/comments"),
    ]
    assert github.state()["calls"][5 + len(reviewers)] == {
        "method": "run list",
        "endpoint": "",
        "--repo": "acme/bank-admin",
        "--workflow": "plan.yml",
        "--commit": merged["head"],
        "--event": "pull_request_target",
        "--json": "databaseId,status,conclusion",
        "--limit": "1",
    }
    said = run.step("Tell the pull request what was applied")
    assert said.stdout == f"commented on pull request #{PR} what the apply did\n"
    assert github.comments(PR)[-1]["body"] == outcome_comment(workspace, "| 10000001 | applied")
    upload = run.step("Keep the results, the audit export and the forms to sign")
    assert upload.ran and upload.with_["path"] == "out/\nartifacts/\n"
    assert upload.with_["retention-days"] == "90"
    anchor = run.step("Keep the audit anchor for the next apply")
    assert anchor.ran and anchor.with_ == {
        "name": "efctl-audit-anchor",
        "path": "out/audit-anchor/audit-hash",
        "if-no-files-found": "ignore",
        "retention-days": "90",
    }


def keep_an_anchor(github, tmp_path, run_id: int, audit_hash: str) -> None:
    """An earlier apply run that kept AUDIT_HASH as its audit anchor."""
    folder = tmp_path / f"anchor-{run_id}"
    folder.mkdir()
    (folder / "audit-hash").write_text(audit_hash + "\n")
    run = {**apply_run(run_id, "completed"), "artifacts": {"efctl-audit-anchor": str(folder)}}
    github.update(runs=[*github.state()["runs"], run])


def test_the_next_apply_verifies_the_audit_chain_against_the_anchor_the_last_one_kept(
    workspace, github, job, merged, tmp_path
):
    assert job("apply.yml", "apply", sha=merged["merge"]).ok
    kept = (workspace.root / "out/audit-anchor/audit-hash").read_text().strip()
    keep_an_anchor(github, tmp_path, 4100, "sha256:" + "ab" * 32)  # an older one
    keep_an_anchor(github, tmp_path, 4200, kept)
    github.update(runs=[*github.state()["runs"], apply_run(4241, "completed")])  # none kept

    again = job("apply.yml", "apply", sha=merged["merge"], inputs={"pull-request": str(PR)})

    assert again.step("Fetch the audit anchor of the last apply").stdout == (
        f"the audit anchor of apply run 4200: {kept}\n"
    )
    printed = again.step("Apply the reviewed plan").stdout.splitlines()
    assert printed[:3] == [
        f"audit chain intact: 1 entry, last hash {kept}",
        f"applying plan {merged['plan_id']} of pull request #{PR}",
        "10000001: already applied",
    ]


def test_apply_refuses_when_the_banks_audit_chain_lost_the_last_anchor(
    workspace, github, job, merged, tmp_path
):
    keep_an_anchor(github, tmp_path, 4100, "sha256:" + "ab" * 32)  # the bank lost that entry
    run = job("apply.yml", "apply", sha=merged["merge"])

    applying = run.step("Apply the reviewed plan")
    assert (applying.returncode, applying.stdout) == (1, "")
    assert applying.stderr.splitlines()[-1] == (
        "audit chain broken: the hash kept from an earlier verify (sha256:abababababab…) is not "
        "in the chain of 0 entries: entries were removed or the chain was replaced"
    )
    assert workspace.bank_users() == BANK_USERS
    assert not (workspace.root / "out/audit-anchor/audit-hash").exists()
    [refusal] = github.comments(PR)[1:]
    assert refusal["body"] == REFUSED + (
        "[The apply run](https://github.com/acme/bank-admin/actions/runs/4242) found the bank's "
        "audit chain broken (the log says where): nothing was applied. Ask the bank about the "
        "audit trail before anything is applied again.\n"
    )


REFUSED = "### efctl did not apply this pull request\n\n"
FRESH_PLAN = (
    "To apply the declarations now, get a fresh plan reviewed: open a pull request that changes "
    "the declarations concerned (or push to one that is still open); its plan is "
    "made against the bank as it is now, and merging it applies that plan.\n"
)


def test_a_bank_change_after_the_review_is_not_applied_and_the_pull_request_says_why(
    workspace, github, job, tmp_path
):
    """The reproduction: planned, then an order made in the web UI is executed, then merged."""
    seed = workspace.root / "bank/10000001.yaml"
    seed.write_text(
        seed.read_text() + "orders:\n"
        "  - id: WEB-1\n"
        "    maker: anna.muster\n"
        '    created: "2026-11-28T08:30:00+01:00"\n'
        "    changes:\n"
        "      - {address: 10000001/users/dora.meier/authorizations/CH9300762011623852957,"
        " action: update, resource: authorization, after: {profile: read}}\n"
    )
    workspace.git("commit", "-qam", "the bank holds an order made in the web UI")
    pull = open_pull_request(workspace)
    assert plan_pull_request(workspace, github, job, pull["event"]).ok
    run_id = keep_the_plan(workspace, github, pull["head"], tmp_path)
    approved = subprocess.run(
        ["efctl", "orders", "approve", "WEB-1", "--as", "bruno.keller"],
        cwd=workspace.root,
        env=workspace.env(),
        capture_output=True,
        text=True,
    )
    assert approved.stdout == (
        "order WEB-1 executed (authorised by bruno.keller): "
        "relationship 10000001 is at serial 6 now\n"
    )
    commits = {"base": pull["base"], "head": pull["head"], "merge": merge(workspace)}
    pull_json = github_fixture("pull.json", commits)
    github.update(
        commit_pulls={commits["merge"]: pulls_of_commit(pull_json)},
        pulls={str(PR): pull_json},
        reviews={str(PR): github_fixture("reviews.json", commits)},
    )
    plan_comments = github.comments(PR)

    run = job("apply.yml", "apply", sha=commits["merge"])

    assert run.step("Fetch the reviewed plan").returncode == 0
    applying = run.step("Apply the reviewed plan")
    assert applying.returncode == 1
    assert applied_outcomes(workspace) == [("10000001", "stale")]
    assert applying.stdout.splitlines()[1:4] == [
        f"applying plan {json.loads((tmp_path / 'artifact-0/plan.json').read_text())['plan_id']} "
        f"of pull request #{PR}",
        "10000001: stale",
        "exported 1 audit entry to out/audit.jsonl",  # the order WEB-1
    ]
    assert workspace.bank_users() == BANK_USERS  # elias.brunner was not created
    said = run.step("Tell the pull request what was applied")
    assert said.ran and said.returncode == 0
    assert github.comments(PR)[: len(plan_comments)] == plan_comments
    [refusal] = [c["body"] for c in github.comments(PR)[len(plan_comments) :]]
    assert refusal == REFUSED + (
        f"[The apply run](https://github.com/acme/bank-admin/actions/runs/4242) refused the "
        f"reviewed plan `{json.loads((tmp_path / 'artifact-0/plan.json').read_text())['plan_id']}` "
        f"(kept by run {run_id} of plan.yml) for these relationships; nothing was applied "
        "to them:\n\n"
        "- 10000001: stale (the bank changed since the plan was reviewed)\n\n"
        + FRESH_PLAN
        + "\n"
        + outcome_comment(workspace, "| 10000001 | stale")
    )


def test_apply_without_enough_approvals_changes_nothing_and_keeps_the_audit_export(
    workspace, github, job, merged
):
    github.update(reviews={str(PR): merged["reviews"][:3]})  # bruno-k approved an older commit
    run = job("apply.yml", "apply", sha=merged["merge"])

    assert run.step("Apply the reviewed plan").returncode == 1
    out = workspace.root / "out"
    assert applied_outcomes(workspace) == [("10000001", "needs approval")]
    assert workspace.bank_users() == BANK_USERS  # nothing changed
    assert (out / "audit.jsonl").is_file()
    assert run.step("Keep the results, the audit export and the forms to sign").ran
    [refusal] = github.comments(PR)[1:]
    assert refusal["body"] == REFUSED + (
        "[The apply run](https://github.com/acme/bank-admin/actions/runs/4242) refused the "
        f"reviewed plan `{merged['plan_id']}` (kept by run {merged['run_id']} of plan.yml) for "
        "these relationships; nothing was applied to them:\n\n"
        "- 10000001: needs approval\n\n"
        "When approvals were missing, approve the pull request's head commit and run the apply "
        f"again: Actions → efctl apply → Run workflow, pull request {PR}. "
        + FRESH_PLAN
        + "\n"
        + outcome_comment(workspace, "| 10000001 | needs approval")
    )


# Holds a relationship's lock through the store, as another apply would, until it is killed.
HOLDER = """
import sys, time
from efctl.sandbox import open_store
with open_store(sys.argv[1]) as bank, bank.hold(sys.argv[2], sys.argv[3], 0):
    print("held", flush=True)
    time.sleep(120)
"""


def test_apply_of_a_relationship_another_apply_holds_says_so_and_changes_nothing(
    workspace, github, job, merged
):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, workspace.backend, "10000001", "sha256:" + "c" * 64],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        run = job("apply.yml", "apply", sha=merged["merge"], env={"EFCTL_LOCK_TIMEOUT": "0"})
    finally:
        holder.kill()
        holder.wait()

    assert run.step("Apply the reviewed plan").returncode == 1
    assert applied_outcomes(workspace) == [("10000001", "locked")]
    assert workspace.bank_users() == BANK_USERS
    [refusal] = github.comments(PR)[1:]
    assert refusal["body"].startswith(
        REFUSED
        + "[The apply run](https://github.com/acme/bank-admin/actions/runs/4242) refused the "
        f"reviewed plan `{merged['plan_id']}` (kept by run {merged['run_id']} of plan.yml) for "
        "these relationships; nothing was applied to them:\n\n"
        "- 10000001: locked (another apply held it for the whole lock timeout; run this apply "
        "again)\n\n"
    )


@pytest.mark.parametrize(
    "runs",
    [
        pytest.param([], id="no plan run"),
        pytest.param([("pull_request", "success")], id="a run of the pull request's own code"),
        pytest.param([("pull_request_target", "failure")], id="a plan run that failed"),
    ],
)
def test_apply_without_a_reviewed_plan_applies_nothing_and_says_why(
    workspace, github, job, merged, tmp_path, runs
):
    github.update(runs=[])
    for event, conclusion in runs:
        github.add_run("plan.yml", merged["head"], event, {}, conclusion=conclusion)
    run = job("apply.yml", "apply", sha=merged["merge"])

    fetch = run.step("Fetch the reviewed plan")
    assert fetch.returncode == 1
    assert fetch.stderr == (
        f"efctl: error: no reviewed plan for pull request #{PR}: no successful plan.yml run "
        f"(pull_request_target) for its head {merged['head']} kept one; nothing was applied\n"
    )
    assert not run.step("Apply the reviewed plan").ran
    assert workspace.bank_users() == BANK_USERS
    [refusal] = github.comments(PR)[1:]
    assert refusal["body"] == REFUSED + (
        "[The apply run](https://github.com/acme/bank-admin/actions/runs/4242) found no reviewed "
        f"plan for the head commit {merged['head']}: no successful run of the plan workflow kept "
        "one (or its artifact has expired). Nothing was applied.\n\n"
        "Re-run the plan workflow of this pull request (Actions → efctl plan, within 30 days), "
        "check the plan it comments, then run the apply again: Actions → efctl apply → "
        f"Run workflow, pull request {PR}. " + FRESH_PLAN
    )


def test_a_dispatch_applies_a_merged_pull_request_again_with_its_reviews(
    workspace, github, job, merged
):
    github.update(reviews={str(PR): merged["reviews"][:3]})
    assert not job("apply.yml", "apply", sha=merged["merge"]).ok
    github.update(reviews={str(PR): merged["reviews"]}, calls=[])  # bruno-k approved the head

    run = job("apply.yml", "apply", sha=merged["merge"], inputs={"pull-request": str(PR)})

    assert run.ok, [(s.name, s.stderr) for s in run.steps]
    assert run.step("Find the merged pull request").stdout == (
        f"pull request #{PR} was merged as {merged['merge']}\n"
    )
    assert applied_outcomes(workspace) == [("10000001", "applied")]
    assert workspace.bank_users() == [*BANK_USERS, "elias.brunner"]
    assert github.calls()[:3] == [
        ("run list", ""),
        ("GET", f"repos/acme/bank-admin/pulls/{PR}"),
        ("GET", f"repos/acme/bank-admin/pulls/{PR}/reviews"),
    ]


def test_a_dispatch_refuses_a_pull_request_that_is_not_merged(workspace, github, job, merged):
    github.update(pulls={str(PR): {**merged["pull"], "merged_at": None, "state": "open"}})
    run = job("apply.yml", "apply", sha=merged["merge"], inputs={"pull-request": str(PR)})

    find = run.step("Find the merged pull request")
    assert find.returncode == 1
    assert find.stderr == (
        f"efctl: error: pull request #{PR} is not merged into main; nothing was applied\n"
        "    hint: declarations reach the bank only through a reviewed, merged pull request\n"
    )
    assert workspace.bank_users() == BANK_USERS


def apply_run(run_id: int, *statuses: str) -> dict:
    """A run of apply.yml (this one is 4242) whose status is STATUSES[0], then the next, …"""
    return {
        "databaseId": run_id,
        "workflow": "apply.yml",
        "headSha": "a" * 40,
        "event": "push",
        "status": statuses[0],
        "conclusion": None,
        "statuses": list(statuses),
        "artifacts": {},
    }


def test_apply_waits_for_every_earlier_apply_run_and_only_for_those(workspace, github, job, merged):
    github.update(
        runs=[
            *github.state()["runs"],  # the plan run
            apply_run(4100, "completed"),
            apply_run(4200, "in_progress", "completed"),
            apply_run(4241, "waiting", "waiting", "completed"),  # e.g. for the environment
            apply_run(4300, "in_progress"),  # a later one: it waits for this one, not vice versa
        ]
    )
    run = job("apply.yml", "apply", sha=merged["merge"])

    assert run.ok, [(s.name, s.stderr) for s in run.steps]
    assert run.step("Wait for the earlier applies").stdout.splitlines() == [
        "waiting for the earlier apply run(s) 4200, 4241 to finish",
        "waiting for the earlier apply run(s) 4241 to finish",
        "no earlier apply is unfinished: this one goes now",
    ]
    assert applied_outcomes(workspace) == [("10000001", "applied")]


def test_apply_gives_up_waiting_and_applies_nothing(workspace, github):
    github.update(runs=[apply_run(4100, "in_progress")])
    env = {
        **workspace.env(),
        "FAKE_GH_STATE": str(github.state_path),
        "GITHUB_REPOSITORY": "acme/bank-admin",
        "GITHUB_RUN_ID": "4242",
        "APPLY_WAIT_SECONDS": "0",
        "APPLY_WAIT_TRIES": "2",
    }
    script = workspace.root / ".github/scripts/wait-turn.sh"
    done = subprocess.run([script], env=env, capture_output=True, text=True)

    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        "waiting for the earlier apply run(s) 4100 to finish\n",
        "efctl: error: the earlier apply run(s) 4100 did not finish in time; nothing was "
        "applied\n    hint: when they have, apply this pull request again: Actions → efctl "
        "apply → Run workflow\n",
    )


def test_apply_fetches_the_reviewed_head_that_a_squash_merge_left_out_of_main(
    workspace, github, job, planned, tmp_path
):
    """The checkout has main only; the reviewed head is on GitHub as refs/pull/7/head."""
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", origin], check=True)
    workspace.git("remote", "add", "origin", str(origin))
    workspace.git("worktree", "remove", "--force", "pr")
    head = planned["head"]
    workspace.git("push", "-q", "origin", f"{head}:refs/pull/{PR}/head")
    workspace.git("merge", "-q", "--squash", "new-colleague")
    workspace.git("commit", "-q", "-m", f"A new colleague (#{PR})")
    workspace.git("push", "-q", "origin", "main")
    squash = workspace.git("rev-parse", "HEAD")
    shutil.rmtree(workspace.root)
    subprocess.run(
        ["git", "clone", "-q", "--no-local", "-b", "main", origin, workspace.root], check=True
    )
    missing = subprocess.run(["git", "cat-file", "-e", head], cwd=workspace.root)
    assert missing.returncode != 0
    commits = {"base": planned["base"], "head": head, "merge": squash}
    pull, reviews = github_fixture("pull.json", commits), github_fixture("reviews.json", commits)
    github.update(pulls={str(PR): pull}, reviews={str(PR): reviews})
    github.update(commit_pulls={squash: pulls_of_commit(pull)})

    run = job("apply.yml", "apply", sha=squash)

    assert run.ok, [(s.name, s.stderr) for s in run.steps]
    assert applied_outcomes(workspace) == [("10000001", "applied")]
    assert workspace.bank_users() == [*BANK_USERS, "elias.brunner"]


def test_apply_refuses_a_push_that_no_pull_request_merged(workspace, github, job):
    sha = workspace.declare("head", "pushed straight to main")
    run = job("apply.yml", "apply", sha=sha)

    find = run.step("Find the merged pull request")
    assert find.returncode == 1
    assert find.stderr == (
        f"efctl: error: commit {sha} is not the merge of a pull request; nothing was applied\n"
        "    hint: declarations reach the bank only through a reviewed pull request\n"
    )
    assert [s.name for s in run.steps if s.ran and not s.uses] == [
        "Install efctl",
        "Wait for the earlier applies",
        "Find the merged pull request",
        "Tell the pull request what was applied",  # there is none: it says nothing
    ]
    assert run.step("Tell the pull request what was applied").stdout == ""
    assert github.state()["comments"] == {}
    assert workspace.bank_users() == BANK_USERS  # nothing changed


# --- drift on a schedule --------------------------------------------------------------------


def drift_body(run: JobRun) -> str:
    """The issue body: a line about the check, then the markdown `efctl plan` printed."""
    printed = run.step("Plan against the bank and report drift").stdout
    return (
        "The bank differs from the declarations (found by the [drift check]"
        "(https://github.com/acme/bank-admin/actions/runs/4242)): apply the declarations "
        "through a pull request, or change them to match the bank.\n\n"
        + printed.removesuffix("drift: opened an issue\n")
    )


def test_drift_opens_one_issue_updates_it_and_closes_it_when_the_bank_matches(
    workspace, github, job
):
    untouched = {
        "500": {
            "number": 500,
            "title": "old drift",
            "body": "",
            "state": "closed",
            "labels": [{"name": "efctl-drift"}],
            "user": {"login": "github-actions[bot]"},
        },
        "501": {
            "number": 501,
            "title": "a pull request",
            "body": "",
            "state": "open",
            "labels": [{"name": "efctl-drift"}],
            "user": {"login": "x"},
            "pull_request": {"url": "…"},
        },
    }
    github.update(issues=untouched)
    sha = workspace.declare("head", "a new colleague, not yet applied")

    first = job("drift.yml", "drift", sha=sha)
    assert first.ok, "\n".join(s.stderr for s in first.steps)
    issues = github.state()["issues"]
    [opened] = [number for number in issues if number not in untouched]
    assert issues[opened]["title"] == "efctl: the bank differs from the declarations"
    assert issues[opened]["labels"] == [{"name": "efctl-drift"}]
    assert issues[opened]["body"] == drift_body(first)
    assert "elias.brunner" in issues[opened]["body"]
    assert github.state()["labels"]["efctl-drift"]["color"] == "d93f0b"

    second = job("drift.yml", "drift", sha=sha)
    assert second.ok
    assert second.step("Plan against the bank and report drift").stdout.endswith(
        f"drift: updated issue #{opened}\n"
    )
    assert sorted(github.state()["issues"]) == sorted([*untouched, opened])

    sha = workspace.declare("base", "back to what the bank holds")
    third = job("drift.yml", "drift", sha=sha)
    assert third.ok
    issues = github.state()["issues"]
    assert issues[opened]["state"] == "closed"
    assert issues[opened]["state_reason"] == "completed"
    assert [c["body"] for c in github.comments(int(opened))] == [
        "The bank matches the declarations again "
        "([drift check](https://github.com/acme/bank-admin/actions/runs/4242))."
    ]
    assert {n: issues[n] for n in untouched} == untouched
