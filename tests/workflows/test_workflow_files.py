"""The workflows as files: what they trigger on, what they may do, and that every step's logic
lives in a script that exists."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from workflow_runner import load_workflow

ROOT = Path(__file__).parent.parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
SCRIPTS = ROOT / ".github" / "scripts"
NAMES = sorted(path.name for path in WORKFLOWS.glob("*.yml"))
PINNED = re.compile(r"^\s*(?:- )?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
SCRIPT_CALL = re.compile(r"^(?P<script>(?:\.github/scripts|\.ci)/[\w.-]+)(?: [\w./-]+)*$")


def steps(workflow: dict):
    for job in workflow["jobs"].values():
        yield from job["steps"]


@pytest.fixture(params=NAMES)
def path(request) -> Path:
    return WORKFLOWS / request.param


def test_plan_apply_and_drift_are_there():
    assert {"plan.yml", "apply.yml", "drift.yml"} <= set(NAMES)


def test_every_action_is_pinned_to_a_commit_with_its_version(path):
    lines = [line for line in path.read_text().splitlines() if "uses:" in line]
    assert lines
    assert [line for line in lines if not PINNED.match(line)] == []


def test_runs_only_call_scripts_that_exist_and_use_no_expressions(path):
    for step in steps(load_workflow(path)):
        if "run" in step:
            assert "${{" not in step["run"]
            call = SCRIPT_CALL.match(step["run"])
            assert call, f"{path.name}: {step['run']!r} is not a call of one script"
            script = ROOT / call["script"]
            assert script.is_file() and os.access(script, os.X_OK), script


def test_every_script_is_called_by_a_workflow():
    called = {
        SCRIPT_CALL.match(step["run"])["script"]
        for name in NAMES
        for step in steps(load_workflow(WORKFLOWS / name))
        if "run" in step
    }
    assert {f".github/scripts/{p.name}" for p in SCRIPTS.iterdir()} <= called


def test_no_permission_by_default_and_each_job_names_its_own(path):
    workflow = load_workflow(path)
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        pushes = (path.name, name) == ("drift.yml", "propose")  # the drift pull requests' branches
        assert job["permissions"]["contents"] == ("write" if pushes else "read")
        assert "write-all" not in str(job["permissions"])


def test_checkouts_keep_no_credentials(path):
    checkouts = [
        s for s in steps(load_workflow(path)) if s.get("uses", "").startswith("actions/checkout@")
    ]
    assert checkouts
    assert all(s["with"]["persist-credentials"] is False for s in checkouts)


def test_secrets_reach_only_the_steps_that_need_them(path):
    workflow = load_workflow(path)
    assert "secrets." not in str(workflow.get("env", {}))
    for job in workflow["jobs"].values():
        assert "secrets." not in str(job.get("env", {}))
        for step in job["steps"]:
            assert "secrets." not in str(step.get("with", {}))


def test_plan_runs_the_bases_code_on_every_pull_request_with_the_head_as_data():
    """pull_request_target: the workflow and scripts of the base branch, never the pull
    request's; the head is checked out into pr/ as data (declarations), no path filter, so the
    `plan` check reports on every pull request. The planning is a matrix of shard jobs
    (EFCTL_SHARDS in the shards job); the `plan` job merges, comments and keeps the plan."""
    workflow = load_workflow(WORKFLOWS / "plan.yml")
    assert workflow["on"] == {
        "pull_request_target": {"types": ["opened", "synchronize", "reopened"]}
    }
    jobs = workflow["jobs"]
    assert list(jobs) == ["shards", "shard", "plan"]
    assert jobs["shards"]["permissions"] == {"contents": "read"}
    assert [s.get("run") for s in jobs["shards"]["steps"]] == [
        None,
        ".github/scripts/plan-shards.sh",
    ]
    assert jobs["shards"]["steps"][1]["env"] == {"EFCTL_SHARDS": "1"}  # one job by default
    shard, job = jobs["shard"], jobs["plan"]
    assert shard["needs"] == "shards" and job["needs"] == "shard"
    assert shard["strategy"] == {
        "matrix": {"shard": "${{ fromJSON(needs.shards.outputs.shards) }}"}
    }
    assert shard["permissions"] == {"contents": "read"}  # no comment, no artifact of others
    assert job["if"] == "${{ !cancelled() }}"  # the check and comment report a failed shard
    assert job["permissions"] == {
        "contents": "read",
        "pull-requests": "write",
        "actions": "read",  # the shard plans of this run
    }
    head = {
        "repository": "${{ github.event.pull_request.head.repo.full_name }}",
        "ref": "${{ github.event.pull_request.head.sha }}",
        "path": "pr",
        "persist-credentials": False,
    }
    for each, fetch_depth in ((shard, {"fetch-depth": 0}), (job, {})):
        checkouts = [s for s in each["steps"] if s.get("uses", "").startswith("actions/checkout@")]
        assert [c["with"] for c in checkouts] == [
            {"persist-credentials": False},  # the base: the code that runs
            {**head, **fetch_depth},  # shards: what the pull request changed since its base
        ]
    assert [s["run"] for s in shard["steps"] if "run" in s] == [
        ".github/scripts/install-efctl.sh",  # from the base checkout, before pr/ is read
        ".github/scripts/plan.sh pr out",
    ]
    plan = next(s for s in shard["steps"] if s.get("run", "").startswith(".github/scripts/plan.sh"))
    assert plan["env"] == {
        "EFCTL_BACKEND": "${{ secrets.EFCTL_BACKEND_READONLY }}",
        "BASE_SHA": "${{ github.event.pull_request.base.sha }}",
        "EFCTL_SHARD": "${{ matrix.shard }}",
    }
    [handed] = [
        s for s in shard["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")
    ]
    assert handed["if"] == "${{ !cancelled() }}"
    assert handed["with"] == {
        "name": "efctl-plan-shard-${{ strategy.job-index }}",
        "path": "out/",
        "if-no-files-found": "error",
        "retention-days": 1,
    }
    runs = [s["run"] for s in job["steps"] if "run" in s]
    assert runs == [
        ".github/scripts/install-efctl.sh",
        ".github/scripts/plan-merge.sh shards out",
        ".github/scripts/plan-comment.sh out/comment",
        ".github/scripts/plan-reports.sh pr out",  # after the plan is kept: it never blocks it
    ]
    merge = next(s for s in job["steps"] if s.get("run", "").startswith(".github/scripts/plan-m"))
    assert merge["env"] == {
        "GH_TOKEN": "${{ github.token }}",
        "SHARDS_RESULT": "${{ needs.shard.result }}",
    }
    reports = next(s for s in job["steps"] if s.get("run", "").endswith("plan-reports.sh pr out"))
    assert reports["env"] == {"EFCTL_BACKEND": "${{ secrets.EFCTL_BACKEND_READONLY }}"}
    uploads = [s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert [upload["with"] for upload in uploads] == [
        {
            "name": "efctl-plan",
            "path": "out/plan.json",
            "if-no-files-found": "ignore",  # a pull request that changes no declaration has none
            "retention-days": 30,
        },
        {
            "name": "efctl-reports",
            "path": "out/reports/",
            "if-no-files-found": "ignore",
            "retention-days": 30,
        },
    ]
    assert job["steps"].index(uploads[0]) < job["steps"].index(reports)


def test_no_job_that_reads_pull_request_code_runs_it():
    """Only plan.yml checks out a pull request's head, into pr/, and no step runs from there."""
    for name in NAMES:
        for step in steps(load_workflow(WORKFLOWS / name)):
            ref = step.get("with", {}).get("ref", "")
            if "pull_request" in str(ref):
                assert name == "plan.yml" and step["with"]["path"] == "pr"
            assert "working-directory" not in step
            assert not step.get("run", "").startswith("pr/")


def test_apply_runs_every_merge_in_turn_and_on_demand_for_a_pull_request():
    workflow = load_workflow(WORKFLOWS / "apply.yml")
    assert workflow["on"] == {
        "push": {"branches": ["main"], "paths": ["clients/**", "efctl.yaml"]},
        "workflow_dispatch": {
            "inputs": {
                "pull-request": {
                    "description": "Apply this merged pull request again (its number)",
                    "required": True,
                    "type": "string",  # actionlint knows no "number"; the script checks it
                }
            }
        },
    }
    # every apply waits for the ones before (a concurrency group would cancel a pending run
    # when a third arrives, and actionlint rejects `queue: max`)
    assert "concurrency" not in workflow
    job = workflow["jobs"]["apply"]
    runs = [s["run"] for s in job["steps"] if "run" in s]
    assert runs[:2] == [".github/scripts/install-efctl.sh", ".github/scripts/wait-turn.sh"]
    assert job["environment"] == "efctl-apply"
    assert job["permissions"] == {
        "contents": "read",
        "pull-requests": "write",
        "actions": "read",
    }
    secrets = [
        (s["name"], s["env"]["EFCTL_BACKEND"])
        for s in job["steps"]
        if "EFCTL_BACKEND" in s.get("env", {})
    ]
    assert secrets == [("Apply the reviewed plan", "${{ secrets.EFCTL_BACKEND }}")]
    upload = job["steps"][-1]
    assert upload["with"]["retention-days"] == 90


def test_drift_runs_on_a_schedule_and_on_demand():
    workflow = load_workflow(WORKFLOWS / "drift.yml")
    assert set(workflow["on"]) == {"schedule", "workflow_dispatch"}
    assert workflow["jobs"]["drift"]["permissions"] == {"contents": "read", "issues": "write"}
    assert workflow["jobs"]["propose"]["permissions"] == {
        "contents": "write",
        "pull-requests": "write",
    }


def test_only_apply_sees_the_write_credential():
    for name in ["plan.yml", "drift.yml"]:
        assert "secrets.EFCTL_BACKEND }}" not in (WORKFLOWS / name).read_text()
