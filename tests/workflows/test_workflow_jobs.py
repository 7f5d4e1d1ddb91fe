"""The plan, apply and drift jobs end to end: their steps run exactly as the workflow files call
them, against the sandbox bank, with a fake GitHub behind `gh`."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from string import Template

import pytest
from workflow_runner import JobRun

FIXTURES = Path(__file__).parent / "fixtures"
PR = 7
MARKER = "<!-- efctl-plan part {} -->\n"
BANK_USERS = ["anna.muster", "bruno.keller", "dora.meier"]
SYNTHETIC_MERGE = "f" * 40  # what GITHUB_SHA names in a pull_request run


def pull_request_event(head: str) -> dict:
    return {"pull_request": {"number": PR, "head": {"sha": head}}}


def comment(id_: int, body: str, login: str = "github-actions[bot]") -> dict:
    return {"id": id_, "body": body, "user": {"login": login}}


def plan_markdown(run: JobRun) -> str:
    """The markdown `efctl plan` printed in the plan step (validate, clean, prints nothing),
    between the lines that stop and resume workflow commands, whose token is random."""
    start, *markdown, end = run.step("Validate and plan").stdout.splitlines(keepends=True)
    token = start.removeprefix("::stop-commands::").strip()
    assert token.startswith("efctl-") and len(token) == len("efctl-") + 32, start
    assert end == f"::{token}::\n"
    return "".join(markdown)


# --- plan on a pull request ---------------------------------------------------------------


def test_plan_posts_the_plan_then_updates_the_same_comment(workspace, github, job):
    head = workspace.declare("head", "a new colleague")
    run = job("plan.yml", "plan", sha=SYNTHETIC_MERGE, event=pull_request_event(head))

    assert run.ok, [(s.name, s.stderr) for s in run.steps]
    plan = json.loads((workspace.root / "out/plan.json").read_text())
    assert plan["source"]["commit"] == head  # the reviewed head, not the merge preview
    [posted] = github.comments(PR)
    assert posted["body"] == MARKER.format(1) + plan_markdown(run)
    assert "elias.brunner" in posted["body"]
    upload = run.step("Keep the plan (full detail)")
    assert upload.ran and upload.with_["path"] == "out/plan.json"

    (workspace.root / "clients/10000001.yaml").write_text(
        (workspace.root / "clients/10000001.yaml")
        .read_text()
        .replace("{account: read}", "{account: capture}")
    )
    workspace.git("commit", "-qam", "capture, not read")
    head = workspace.git("rev-parse", "HEAD")
    again = job("plan.yml", "plan", sha=SYNTHETIC_MERGE, event=pull_request_event(head))

    assert again.ok
    [updated] = github.comments(PR)
    assert updated["id"] == posted["id"]
    assert updated["body"] == MARKER.format(1) + plan_markdown(again)
    assert "capture" in updated["body"]
    writes = [call for call in github.calls() if call[0] != "GET"]
    assert writes == [
        ("POST", f"repos/acme/bank-admin/issues/{PR}/comments"),
        ("PATCH", f"repos/acme/bank-admin/issues/comments/{posted['id']}"),
    ]


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
    head = workspace.declare("head", "a new colleague")
    run = job("plan.yml", "plan", sha=SYNTHETIC_MERGE, event=pull_request_event(head))

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
    declared = (FIXTURES / "head/10000001.yaml").read_text()
    (workspace.root / "clients/10000001.yaml").write_text(
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
    workspace.git("commit", "-qam", "a profile that does not exist, an e-mail for a login")
    head = workspace.git("rev-parse", "HEAD")
    run = job("plan.yml", "plan", sha=SYNTHETIC_MERGE, event=pull_request_event(head))

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
        f"efctl: created the sandbox bank at {bank} from {workspace.root / 'bank'} "
        "(1 relationship)\n"
    )
    assert run.step("Comment the plan on the pull request").returncode == 0
    assert not run.step("Keep the plan (full detail)").ran
    [posted] = github.comments(PR)
    assert posted["body"] == MARKER.format(1) + (
        "### efctl could not plan this pull request\n\n"
        "`efctl validate` or `efctl plan` failed. The problems of the declarations are annotated "
        "on their\nlines (under *Files changed*, e-mail addresses and IBANs masked) and listed in "
        "the log of\n[the workflow run](https://github.com/acme/bank-admin/actions/runs/4242); "
        "`efctl validate` shows them\nin full locally.\n"
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


# --- apply on merge -----------------------------------------------------------------------


@pytest.fixture
def merged(workspace):
    """Pull request 7 (a new colleague) merged into main: the base, head and merge commits."""
    base = workspace.git("rev-parse", "HEAD")
    workspace.git("checkout", "-q", "-b", "new-colleague")
    head = workspace.declare("head", "a new colleague")
    workspace.git("checkout", "-q", "main")
    workspace.git("merge", "-q", "--no-ff", "new-colleague", "-m", "Merge pull request #7")
    return {"base": base, "head": head, "merge": workspace.git("rev-parse", "HEAD")}


def github_fixture(name: str, commits: dict) -> object:
    return json.loads(Template((FIXTURES / "github" / name).read_text()).substitute(commits))


def pulls_of_commit(pull: dict) -> list[dict]:
    """What GET commits/SHA/pulls answers: an open pull request that also holds the commit first."""
    other = {"number": 9, "merged_at": None, "merge_commit_sha": "9" * 40, "user": {"login": "x"}}
    return [other, {k: v for k, v in pull.items() if k != "merged"}]


def test_apply_finds_the_pull_request_and_applies_with_its_reviews(workspace, github, job, merged):
    pull, reviews = github_fixture("pull.json", merged), github_fixture("reviews.json", merged)
    github.update(
        commit_pulls={merged["merge"]: pulls_of_commit(pull)},
        pulls={str(PR): pull},
        reviews={str(PR): reviews},
    )
    run = job("apply.yml", "apply", sha=merged["merge"])

    assert run.ok, [(s.name, s.stderr) for s in run.steps]
    out = workspace.root / "out"
    assert json.loads((out / "pr.json").read_text()) == pull
    assert json.loads((out / "reviews.json").read_text()) == reviews  # both pages, one array
    applied = json.loads((out / "apply.json").read_text())
    assert [(r["client"], r["outcome"]) for r in applied["results"]] == [("10000001", "applied")]
    assert workspace.bank_users() == [*BANK_USERS, "elias.brunner"]
    audit = [json.loads(line) for line in (out / "audit.jsonl").read_text().splitlines()]
    assert audit
    assert github.calls() == [
        ("GET", f"repos/acme/bank-admin/commits/{merged['merge']}/pulls"),
        ("GET", f"repos/acme/bank-admin/pulls/{PR}"),
        ("GET", f"repos/acme/bank-admin/pulls/{PR}/reviews"),
    ]
    upload = run.step("Keep the results, the audit export and the forms to sign")
    assert upload.ran and upload.with_["path"] == "out/\nartifacts/\n"


def test_apply_without_enough_approvals_changes_nothing_and_keeps_the_audit_export(
    workspace, github, job, merged
):
    pull, reviews = github_fixture("pull.json", merged), github_fixture("reviews.json", merged)
    github.update(
        commit_pulls={merged["merge"]: pulls_of_commit(pull)},
        pulls={str(PR): pull},
        reviews={str(PR): reviews[:3]},  # bruno-k approved only an older commit
    )
    run = job("apply.yml", "apply", sha=merged["merge"])

    assert run.step("Plan and apply").returncode == 1
    out = workspace.root / "out"
    applied = json.loads((out / "apply.json").read_text())
    assert [(r["client"], r["outcome"]) for r in applied["results"]] == [
        ("10000001", "needs approval")
    ]
    assert workspace.bank_users() == BANK_USERS  # nothing changed
    assert (out / "audit.jsonl").is_file()
    assert run.step("Keep the results, the audit export and the forms to sign").ran


def test_apply_fetches_the_reviewed_head_that_a_squash_merge_left_out_of_main(
    workspace, github, job, tmp_path
):
    """The checkout has main only; the reviewed head is on GitHub as refs/pull/7/head."""
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", origin], check=True)
    workspace.git("remote", "add", "origin", str(origin))
    base = workspace.git("rev-parse", "HEAD")
    workspace.git("checkout", "-q", "-b", "new-colleague")
    head = workspace.declare("head", "a new colleague")
    workspace.git("push", "-q", "origin", f"{head}:refs/pull/{PR}/head")
    workspace.git("checkout", "-q", "main")
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
    commits = {"base": base, "head": head, "merge": squash}
    pull, reviews = github_fixture("pull.json", commits), github_fixture("reviews.json", commits)
    github.update(pulls={str(PR): pull}, reviews={str(PR): reviews})
    github.update(commit_pulls={squash: pulls_of_commit(pull)})

    run = job("apply.yml", "apply", sha=squash)

    assert run.ok, [(s.name, s.stderr) for s in run.steps]
    applied = json.loads((workspace.root / "out/apply.json").read_text())
    assert [(r["client"], r["outcome"]) for r in applied["results"]] == [("10000001", "applied")]
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
        "Find the merged pull request",
    ]
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
