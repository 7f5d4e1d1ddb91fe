"""`efctl apply --github-reviews`: a real git repository, a pull request's reviews, the sandbox;
and the readers of the files GitHub gives a workflow.

The repository is the ``repo`` fixture's (bank seed tests/cli/bank: anna.muster and
bruno.keller, collective admins, logins anna-m and bruno-k) turned into a git repository: the
base commit on main declares what the bank holds, the pull request's head adds Dora.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import resources

import pytest

from efctl.app.github import pull_request, read_pull_request, read_reviews
from efctl.errors import EfctlError
from efctl.sandbox import open_store
from reconcile.reviews import PullRequest, Review

# Both engines: apply writes to the bank.
pytestmark = pytest.mark.stores("sqlite", "postgresql")

BASE_DECLARATION = """\
version: 1
client: {id: "10000001", name: Testfirma AG, language: de}
users:
  - id: anna.muster
    name: Anna Muster
    email: anna.muster@example.ch
    github: anna-m
    admin: collective
    authorizations:
      single: [{contract: CH9300762011623852957, profile: sign_collective}]
  - id: bruno.keller
    name: Bruno Keller
    email: bruno.keller@example.ch
    github: bruno-k
    admin: collective
    authorizations:
      single: [{contract: CH9300762011623852957, profile: sign_collective}]
"""
DORA = """\
  - id: dora.dill
    name: Dora Dill
    github: dora-d
    authorizations:
      single: [{contract: CH9300762011623852957, profile: read}]
"""
CLIENT = "clients/10000001.yaml"


def git(repo, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.ch", *args],
        cwd=repo.root,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def commit(repo, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@dataclass
class Pull:
    base: str
    head: str


@pytest.fixture
def pr(repo) -> Pull:
    """main declares the bank as it is; the branch grant-dora adds Dora (the head), planned."""
    git(repo, "init", "-q", "-b", "main")
    repo.write(CLIENT, BASE_DECLARATION)
    base = commit(repo, "Testfirma as the bank has it")
    git(repo, "checkout", "-q", "-b", "grant-dora")
    repo.write(CLIENT, BASE_DECLARATION + DORA)
    pull = Pull(base, commit(repo, "Grant Dora read access"))
    plan(repo)
    return pull


def plan(repo) -> None:
    planned = repo.efctl("plan", "--out", "../plan.json")
    assert planned.exit_code == 0, planned.stderr


def reviews(repo, *entries: tuple[str, str, str]) -> str:
    """reviews.json in GitHub's shape from (login, state, commit) entries, one minute apart."""
    path = repo.root.parent / "reviews.json"
    path.write_text(
        json.dumps(
            [
                {
                    "id": 80 + number,
                    "node_id": f"PRR_kwDOA{number}",
                    "user": {"login": login, "id": 1000 + number, "type": "User"},
                    "body": "",
                    "state": state,
                    "html_url": f"https://github.com/o/r/pull/7#pullrequestreview-{80 + number}",
                    "author_association": "MEMBER",
                    "submitted_at": f"2026-11-21T09:{number:02d}:00Z",
                    "commit_id": commit_id,
                }
                for number, (login, state, commit_id) in enumerate(entries)
            ]
        ),
        encoding="utf-8",
    )
    return str(path)


def commits(repo, *people: str) -> str:
    """commits.json in GitHub's shape: one commit per login, its author and committer."""
    path = repo.root.parent / "commits.json"
    path.write_text(
        json.dumps(
            [
                {
                    "sha": f"{number:040x}",
                    "commit": {"message": "a change"},
                    "author": {"login": login, "id": 2000 + number, "type": "User"},
                    "committer": {"login": "web-flow", "id": 19864447, "type": "User"},
                }
                for number, login in enumerate(people)
            ]
        ),
        encoding="utf-8",
    )
    return str(path)


def apply_reviews(
    repo,
    head: str,
    reviews_file: str,
    *extra: str,
    base: str = "main",
    commits_file: str | None = None,
):
    return repo.efctl(
        "apply",
        "../plan.json",
        "--github-reviews",
        reviews_file,
        "--github-commits",
        commits_file or commits(repo, "anna-m"),
        "--pr-author",
        "anna-m",
        "--head-sha",
        head,
        "--base-ref",
        base,
        *extra,
    )


def bank(store_url):
    with open_store(store_url) as store:
        return store.read_client("10000001"), store.audit_entries("10000001")


def test_approved_by_a_second_collective_admin_is_applied(repo, pr, store_url):
    result = apply_reviews(repo, pr.head, reviews(repo, ("bruno-k", "APPROVED", pr.head)))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [
        "  10000001  applied  order 10000001-1 executed, serial 5 -> 6",
        "Apply: 1 applied.",
    ]
    state, audit = bank(store_url)
    assert state.serial == 6
    dora = next(u for u in state.users if u.id == "dora.dill")
    assert (dora.github, dict(dora.authorizations)) == (
        "dora-d",
        {"CH9300762011623852957": "read"},
    )
    assert [(e.maker, e.checkers) for e in audit] == [("anna.muster", ("bruno.keller",))]


def test_a_pull_request_event_carries_author_head_and_base(repo, pr, store_url):
    event = repo.root.parent / "event.json"
    pull = {
        "number": 7,
        "state": "open",
        "merged": False,
        "user": {"login": "anna-m"},
        "head": {"ref": "grant-dora", "sha": pr.head},
        "base": {"ref": "main", "sha": pr.base},
    }
    event.write_text(json.dumps({"action": "synchronize", "pull_request": pull}), "utf-8")
    approved = reviews(repo, ("bruno-k", "APPROVED", pr.head))
    result = repo.efctl(
        "apply",
        "../plan.json",
        "--github-reviews",
        approved,
        "--github-event",
        str(event),
        "--github-commits",
        commits(repo, "anna-m"),
    )
    assert result.exit_code == 0, result.output
    assert bank(store_url)[0].serial == 6


def test_without_enough_approvals_nothing_changes_and_the_refusal_says_who_could_approve(
    repo, pr, store_url
):
    stale = reviews(repo, ("bruno-k", "APPROVED", pr.base), ("dora-d", "APPROVED", pr.head))
    result = apply_reviews(repo, pr.head, stale)
    assert result.exit_code == 1
    head = pr.head[:12]
    assert result.stdout.splitlines()[1:] == [
        "  10000001  needs approval  needs a reviewer who is not the author and one individual "
        "admin or a second collective admin (no approval from anyone but the author; admins "
        "counted: anna.muster (collective, author))",
        "Apply: 1 needs approval.",
        f"Not applied: the pull request lacks approvals of its head {head} for 1 relationship(s):",
        "  10000001: needs a reviewer who is not the author and one individual admin or a "
        "second collective admin; eligible: bruno-k",
        f"      not counted: bruno-k approved {pr.base[:12]}, not the reviewed head {head}",
        "      not counted: dora-d is the github login of no user of 10000001 at the base main",
    ]
    state, audit = bank(store_url)
    assert (state.serial, audit) == (5, [])
    assert "dora.dill" not in {u.id for u in state.users}


def test_the_json_report_names_the_eligible_by_login_and_lists_what_did_not_count(repo, pr):
    own = reviews(repo, ("anna-m", "APPROVED", pr.head))
    result = apply_reviews(repo, pr.head, own, "--format", "json")
    assert result.exit_code == 1
    [outcome] = json.loads(result.stdout)["results"]
    assert (outcome["outcome"], outcome["eligible"], outcome["ignored_reviews"]) == (
        "needs approval",
        ["bruno-k"],
        [
            {
                "review": 80,
                "login": "anna-m",
                "reason": "author",
                "detail": "anna-m is the author; an author's own approval never counts",
            }
        ],
    )


def test_a_login_added_in_the_pull_request_cannot_approve_it(repo, store_url):
    """The base declares Bruno without a login; the head gives him one and he approves."""
    git(repo, "init", "-q", "-b", "main")
    repo.write(CLIENT, BASE_DECLARATION.replace("    github: bruno-k\n", ""))
    commit(repo, "Bruno without a login")
    git(repo, "checkout", "-q", "-b", "bruno-login")
    repo.write(CLIENT, BASE_DECLARATION + DORA)
    head = commit(repo, "Bruno's login, and Dora")
    plan(repo)
    result = apply_reviews(repo, head, reviews(repo, ("bruno-k", "APPROVED", head)))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-2:] == [
        "  10000001: needs a reviewer who is not the author and one individual admin or a "
        "second collective admin; eligible: bruno.keller (no github login)",
        "      not counted: bruno-k is the github login of no user of 10000001 at the base main",
    ]
    assert bank(store_url)[0].serial == 5


def test_a_co_author_who_pushed_a_commit_is_a_maker_not_a_checker(repo, pr, store_url):
    approved = reviews(repo, ("bruno-k", "APPROVED", pr.head))
    result = apply_reviews(repo, pr.head, approved, commits_file=commits(repo, "anna-m", "bruno-k"))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-2:] == [
        "  10000001: needs a reviewer who is not the author and one individual admin or a "
        "second collective admin; eligible: none",
        "      not counted: bruno-k authored or committed a commit of the pull request "
        "(bruno-k): a maker never counts as checker",
    ]
    assert bank(store_url)[0].serial == 5


@pytest.mark.parametrize(
    ("permissions", "shown"),
    [({"bruno-k": "read"}, "permission read"), ({"anna-m": "admin"}, "no permission on record")],
)
def test_a_reviewer_without_write_access_is_no_checker(repo, pr, store_url, permissions, shown):
    granted = repo.root.parent / "permissions.json"
    granted.write_text(json.dumps(permissions), "utf-8")
    approved = reviews(repo, ("bruno-k", "APPROVED", pr.head))
    result = apply_reviews(repo, pr.head, approved, "--github-permissions", str(granted))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == (
        f"      not counted: bruno-k has no write access to the repository ({shown})"
    )
    assert bank(store_url)[0].serial == 5


def test_a_reviewer_with_write_permission_counts(repo, pr, store_url):
    granted = repo.root.parent / "permissions.json"
    granted.write_text(json.dumps({"Bruno-K": {"permission": "write", "role_name": "maintain"}}))
    approved = reviews(repo, ("bruno-k", "APPROVED", pr.head))
    result = apply_reviews(repo, pr.head, approved, "--github-permissions", str(granted))
    assert result.exit_code == 0, result.output
    assert bank(store_url)[0].serial == 6


def test_a_reviewer_whose_own_rights_the_change_raises_is_no_checker(repo, store_url):
    """The pull request raises Bruno to individual signature on the account; he approves."""
    git(repo, "init", "-q", "-b", "main")
    repo.write(CLIENT, BASE_DECLARATION)
    commit(repo, "Testfirma as the bank has it")
    git(repo, "checkout", "-q", "-b", "bruno-alone")
    raised = BASE_DECLARATION.rsplit("sign_collective", 1)
    repo.write(CLIENT, "sign_individual".join(raised))
    head = commit(repo, "Bruno signs alone")
    plan(repo)
    result = apply_reviews(repo, head, reviews(repo, ("bruno-k", "APPROVED", head)))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-2:] == [
        "  10000001: needs a reviewer who is not the author and one individual admin or a "
        "second collective admin; eligible: none",
        "      not counted: bruno-k is bruno.keller, whose own rights this change raises in "
        "10000001 (CH9300762011623852957: sign_collective -> sign_individual): a checker must "
        "be beyond any peer",
    ]
    assert bank(store_url)[0].serial == 5


def test_a_recycled_login_is_not_the_declared_admin(repo, store_url):
    """Bruno's account is 4242; the login bruno-k now belongs to account 1000."""
    git(repo, "init", "-q", "-b", "main")
    declared = BASE_DECLARATION.replace(
        "github: bruno-k\n", "github: bruno-k\n    github_id: 4242\n"
    )
    repo.write(CLIENT, declared)
    commit(repo, "Testfirma with Bruno's GitHub id")
    git(repo, "checkout", "-q", "-b", "grant-dora")
    repo.write(CLIENT, declared + DORA)
    head = commit(repo, "Grant Dora read access")
    plan(repo)
    result = apply_reviews(repo, head, reviews(repo, ("bruno-k", "APPROVED", head)))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == (
        "      not counted: bruno-k is now GitHub user 1000, not bruno.keller's declared "
        "github_id 4242 at the base main: a freed or reclaimed login is someone else"
    )
    assert bank(store_url)[0].serial == 5


def test_a_plan_not_made_from_the_reviewed_head_is_refused(repo, pr, store_url):
    repo.write(CLIENT, BASE_DECLARATION + DORA.replace("profile: read", "profile: sign_collective"))
    head = commit(repo, "Dora signs too")
    result = apply_reviews(repo, head, reviews(repo, ("bruno-k", "APPROVED", head)))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "efctl: error: the plan was made from declarations that differ from the reviewed head "
        f"{head}; nothing was applied\n"
        "    hint: make the plan from the pull request's head commit and have that reviewed\n"
    )
    assert bank(store_url)[0].serial == 5


def test_a_merge_that_brings_other_declarations_is_refused(repo, pr, store_url):
    """main moved before the merge: the merged tree is not what was planned and reviewed."""
    git(repo, "checkout", "-q", "main")
    repo.write(CLIENT, BASE_DECLARATION.replace("bruno.keller@example.ch", "bk@example.ch"))
    commit(repo, "Bruno's new address")
    git(repo, "merge", "-q", "--no-edit", "grant-dora")
    result = apply_reviews(repo, pr.head, reviews(repo, ("bruno-k", "APPROVED", pr.head)))
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "efctl: error: the declarations changed since the plan was made"
    )
    assert bank(store_url)[0].serial == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give exactly one of --approvals and --github-reviews"),
        (
            ("--approvals", "a.json", "--github-reviews", "r.json"),
            "give exactly one of --approvals and --github-reviews",
        ),
        (
            ("--approvals", "a.json", "--head-sha", "abc"),
            "--github-event, --github-commits, --github-permissions, --pr-author, --head-sha "
            "and --base-ref go with --github-reviews",
        ),
        (
            ("--github-reviews", "r.json", "--pr-author", "anna-m"),
            "--github-reviews needs --github-commits: whoever authored or committed a commit of "
            "the pull request is a maker, and the reviews alone do not say who",
        ),
    ],
)
def test_the_evidence_is_one_kind(repo, args, message):
    result = repo.efctl("apply", "plan.json", *args)
    assert result.exit_code == 2
    assert f"Error: {message}" in result.stderr


def test_a_short_head_sha_is_refused(repo, pr):
    short = pr.head[:7]
    result = apply_reviews(repo, short, reviews(repo, ("bruno-k", "APPROVED", pr.head)))
    assert result.exit_code == 1
    assert result.stderr == (
        f"efctl: error: --head-sha: '{short}' is not a full commit sha\n"
        "    hint: reviews name the full 40-digit commit; pass the pull request's head.sha\n"
    )


def test_an_unknown_base_is_refused(repo, pr):
    approved = reviews(repo, ("bruno-k", "APPROVED", pr.head))
    result = apply_reviews(repo, pr.head, approved, base="origin/main")
    assert result.exit_code == 1
    problem, hint = result.stderr.splitlines()
    assert problem.startswith(
        "efctl: error: the base origin/main is not a commit of the git repository at "
        f"{repo.root}: fatal: "  # then git's own words
    )
    assert hint == "    hint: fetch it first (with actions/checkout: fetch-depth: 0)"


def test_a_reviews_file_that_is_not_a_review_list_is_named(repo, pr):
    broken = repo.root.parent / "reviews.json"
    broken.write_text('{"message": "Bad credentials"}', encoding="utf-8")
    result = apply_reviews(repo, pr.head, str(broken))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"efctl: error: {broken}: not a GitHub review list: expected an array of reviews"
    )


REVIEW = {
    "id": 81,
    "user": {"login": "bruno-k"},
    "state": "approved",  # the pull_request_review event's lower case
    "commit_id": "6DCB09B5B57875F334F61AEBED695E2E4193DB5E",
    "submitted_at": "2026-11-21T09:00:00",  # no zone: UTC
}


@pytest.mark.parametrize(
    "text",
    [
        json.dumps([REVIEW, {**REVIEW, "id": 82}]),
        json.dumps([REVIEW]) + "\n" + json.dumps([{**REVIEW, "id": 82}]),  # gh api --paginate
        json.dumps([[REVIEW], [{**REVIEW, "id": 82}]]),  # gh api --paginate --slurp
    ],
)
def test_every_page_of_reviews_is_read(tmp_path, text):
    path = tmp_path / "reviews.json"
    path.write_text(text, encoding="utf-8")
    first = Review(
        81,
        "bruno-k",
        "APPROVED",
        "6dcb09b5b57875f334f61aebed695e2e4193db5e",
        datetime(2026, 11, 21, 9, tzinfo=UTC),
    )
    assert read_reviews(path) == (first, replace(first, id=82))


@pytest.mark.parametrize(
    ("item", "problem"),
    [
        ("x", "not an object"),
        ({**REVIEW, "id": "81"}, "'id' is not a number"),
        ({**REVIEW, "user": {"name": "Bruno"}}, "'user' has no 'login'"),
        (
            {**REVIEW, "state": "LGTM"},
            "'state' is 'LGTM', not one of APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, "
            "PENDING",
        ),
        ({**REVIEW, "commit_id": 7}, "'commit_id' is not a string"),
        ({**REVIEW, "submitted_at": None}, "the APPROVED review has no 'submitted_at'"),
        (
            {**REVIEW, "submitted_at": "yesterday"},
            "'submitted_at' 'yesterday' is not an ISO 8601 time",
        ),
    ],
)
def test_a_review_of_the_wrong_shape_is_named(tmp_path, item, problem):
    path = tmp_path / "reviews.json"
    path.write_text(json.dumps([REVIEW, item]), encoding="utf-8")
    with pytest.raises(EfctlError) as refused:
        read_reviews(path)
    assert refused.value.message == f"{path}: not a GitHub review list: review [1]: {problem}"


def test_a_pending_review_needs_no_time_and_a_deleted_account_no_user(tmp_path):
    path = tmp_path / "reviews.json"
    pending = {**REVIEW, "state": "PENDING", "submitted_at": None, "user": None}
    path.write_text(json.dumps([pending]), encoding="utf-8")
    assert read_reviews(path) == (
        Review(81, None, "PENDING", "6dcb09b5b57875f334f61aebed695e2e4193db5e", None),
    )


def test_invalid_json_is_named(tmp_path):
    path = tmp_path / "reviews.json"
    path.write_text("[{", encoding="utf-8")
    with pytest.raises(EfctlError) as refused:
        read_reviews(path)
    assert refused.value.message.startswith(
        f"{path}: not a GitHub review list: invalid JSON: Expecting property name"
    )


PULL = {
    "number": 7,
    "state": "closed",
    "merged": True,
    "user": {"login": "anna-m"},
    "head": {"sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e"},
    "base": {"sha": "f1d2d2f924e986ac86fdf7b36c94bcdf32beec15"},
}


def test_a_bare_pull_request_object_is_read_like_the_event(tmp_path):
    path = tmp_path / "pr.json"
    path.write_text(json.dumps(PULL), encoding="utf-8")
    assert read_pull_request(path) == PullRequest(
        "anna-m", PULL["head"]["sha"], PULL["base"]["sha"], 7
    )


def test_a_pull_request_closed_without_merging_is_not_applied(tmp_path):
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"pull_request": {**PULL, "merged": False}}), encoding="utf-8")
    with pytest.raises(EfctlError) as refused:
        read_pull_request(path)
    assert refused.value.message == (
        f"{path}: pull request #7 was closed without being merged; nothing is applied"
    )


def test_a_pull_request_without_a_head_is_named(tmp_path):
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"pull_request": {**PULL, "head": {}}}), encoding="utf-8")
    with pytest.raises(EfctlError) as refused:
        read_pull_request(path)
    assert refused.value.message == f"{path}: not a pull request: no 'head.sha'"


def test_the_event_and_the_flags_do_not_mix(tmp_path):
    path = tmp_path / "event.json"
    path.write_text(json.dumps(PULL), encoding="utf-8")
    with pytest.raises(EfctlError) as refused:
        pull_request(path, "zed-x", None, None)
    assert refused.value.message == (
        "--github-event names the author and the head; --pr-author and --head-sha cannot be "
        "given with it"
    )
    assert pull_request(path, None, None, "main").base == "main"  # --base-ref may override


# --- efctl github-ids ----------------------------------------------------------------------

FAKE_GH = """\
#!/bin/sh
# gh api users/LOGIN, as GitHub answers for the accounts of these tests
echo "$@" >>"$(dirname "$0")/calls"
case "$2" in
  users/anna-m) echo '{"login": "anna-m", "id": 1001, "type": "User"}' ;;
  users/bruno-k) echo '{"login": "bruno-k", "id": 1002, "type": "User"}' ;;
  users/carla-r) echo '{"login": "carla-r", "id": 9003, "type": "User"}' ;;
  *) echo "gh: Not Found (HTTP 404)" >&2; exit 1 ;;
esac
"""


@pytest.fixture
def gh(repo, tmp_path):
    """A fake `gh` first on PATH; its calls are in the file it returns."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(FAKE_GH)
    (bin_dir / "gh").chmod(0o755)
    repo.env["PATH"] = f"{bin_dir}:{os.environ['PATH']}"
    return bin_dir / "calls"


IDS_DECLARATION = (
    BASE_DECLARATION
    + """\
  - {id: carla.rossi, name: Carla Rossi, github: carla-r, github_id: 2003}
  - {id: dora.dill, name: Dora Dill, github: "dora-d"}
"""
)
OTHER = "clients/10000002.yaml"
OTHER_DECLARATION = """\
version: 1
client: {id: "10000002", name: Zweitfirma GmbH, language: de}
users:
  - {id: bruno.keller, name: Bruno Keller, github: Bruno-K}  # the same person
"""


def test_github_ids_checks_every_login_looked_up_once(repo, gh):
    repo.write(CLIENT, IDS_DECLARATION)
    repo.write(OTHER, OTHER_DECLARATION)
    result = repo.efctl("github-ids")
    assert result.exit_code == 1, result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        f"{CLIENT}: 10000001/anna.muster (anna-m): no github_id; GitHub's id of the login is 1001",
        f"{CLIENT}: 10000001/bruno.keller (bruno-k): no github_id; GitHub's id of the login is "
        "1002",
        f"{CLIENT}: 10000001/carla.rossi (carla-r): github_id 2003 is declared, but the login is "
        "GitHub user 9003 now: renamed or freed and reclaimed; find out who it is before "
        "changing either",
        f"{CLIENT}: 10000001/dora.dill (dora-d): GitHub has no account with this login",
        f"{OTHER}: 10000002/bruno.keller (Bruno-K): no github_id; GitHub's id of the login is 1002",
        "github-ids: 0 ok, 3 without github_id, 1 not the declared account, 1 unknown login(s).",
    ]
    assert gh.read_text().splitlines() == [
        "api users/anna-m",
        "api users/bruno-k",
        "api users/carla-r",
        "api users/dora-d",
    ]
    assert (repo.root / CLIENT).read_text() == IDS_DECLARATION


def test_github_ids_write_adds_the_missing_ids_in_the_file_s_style(repo, gh):
    repo.write(
        CLIENT, IDS_DECLARATION.replace("  - {id: carla.rossi", "  # Carla\n  - {id: carla.rossi")
    )
    repo.write(OTHER, OTHER_DECLARATION)
    result = repo.efctl("github-ids", "--write")
    assert result.exit_code == 1  # carla-r and dora-d stay for a person to sort out
    assert result.stdout.splitlines()[-3:] == [
        f"wrote the github_ids into {CLIENT}",
        f"wrote the github_ids into {OTHER}",
        "github-ids: 3 ok, 0 without github_id, 1 not the declared account, 1 unknown login(s).",
    ]
    written = (repo.root / CLIENT).read_text()
    assert written == (
        IDS_DECLARATION.replace("github: anna-m\n", "github: anna-m\n    github_id: 1001\n")
        .replace("github: bruno-k\n", "github: bruno-k\n    github_id: 1002\n")
        .replace("  - {id: carla.rossi", "  # Carla\n  - {id: carla.rossi")
    )
    assert (repo.root / OTHER).read_text() == OTHER_DECLARATION.replace(
        "github: Bruno-K}", "github: Bruno-K, github_id: 1002}"
    )
    assert repo.efctl("validate", "--offline").exit_code == 0


def test_github_ids_are_ok_once_declared(repo, gh):
    declared = BASE_DECLARATION.replace("github: anna-m\n", "github: anna-m\n    github_id: 1001\n")
    declared = declared.replace("github: bruno-k\n", "github: bruno-k\n    github_id: 1002\n")
    repo.write(CLIENT, declared)
    result = repo.efctl("github-ids")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        "github-ids: 2 ok, 0 without github_id, 0 not the declared account, 0 unknown login(s)."
    )


def test_a_github_id_without_a_login_is_a_declaration_error(repo):
    repo.write(CLIENT, BASE_DECLARATION.replace("    github: bruno-k\n", "    github_id: 1002\n"))
    result = repo.efctl("validate", "--offline")
    assert result.exit_code == 1
    assert (
        f"{CLIENT}:11:5: error EF013: users[1] (bruno.keller): 'github' is a dependency of "
        "'github_id'"
    ) in result.stderr.splitlines()


def test_import_with_github_ids_declares_each_login_s_id_looked_up_once(repo, gh):
    result = repo.efctl("import", "10000001", "--github-ids", "--out", CLIENT)

    assert (result.exit_code, result.stdout, result.stderr) == (0, "", f"wrote {CLIENT}\n")
    written = (repo.root / CLIENT).read_text()
    assert "    github: anna-m\n    github_id: 1001\n" in written
    assert "    github: bruno-k\n    github_id: 1002\n" in written
    assert gh.read_text().splitlines() == ["api users/anna-m", "api users/bruno-k"]
    assert repo.efctl("github-ids").exit_code == 0
    assert repo.efctl("plan", "--format", "json").exit_code == 0


def test_import_with_github_ids_notes_a_login_github_does_not_know(repo, gh):
    seed = repo.root / "bank" / "10000001.yaml"
    seed.write_text(seed.read_text().replace("github: bruno-k", "github: gone-g"))
    assert repo.efctl("sandbox", "reset").exit_code == 0

    result = repo.efctl("import", "10000001", "--github-ids")

    assert result.exit_code == 0, result.output
    assert "    github: anna-m\n    github_id: 1001\n" in result.stdout
    assert "    github: gone-g\n    name" not in result.stdout
    assert (
        "# NOTE: bruno.keller's github login gone-g is no GitHub account now: no github_id; find"
        in result.stdout
    )


TIERED = """\
risk_tiers:
  - tier: 2
    extra_checkers: 1
    when:
      - {new_user_with: [read]}
"""


def test_a_risk_tiered_change_needs_its_extra_reviewer_on_github_too(repo, pr, store_url):
    """The pull request's reviews are judged with the plan's tier, as local approvals are: one
    approving admin is the bank's rule, and tier 2 asks for a second reviewer."""
    catalog = (resources.files("efctl") / "data" / "catalog.yaml").read_text(encoding="utf-8")
    repo.write("catalog.yaml", catalog.replace("risk_tiers: []\n", TIERED))
    repo.write("efctl.yaml", "clients: clients\nseed: bank\ncatalog: catalog.yaml\n")
    plan(repo)  # the same declarations, planned under the tiered catalog

    result = apply_reviews(repo, pr.head, reviews(repo, ("bruno-k", "APPROVED", pr.head)))

    assert result.exit_code == 1
    assert result.stdout.splitlines()[1:] == [
        "  10000001  needs approval  needs 2 reviewers who are not the author for risk tier 2, "
        "has 1 (approved by bruno.keller; admins counted: anna.muster (collective, author), "
        "bruno.keller (collective))",
        "Apply: 1 needs approval.",
        f"Not applied: the pull request lacks approvals of its head {pr.head[:12]} for 1 "
        "relationship(s):",
        "  10000001: needs 2 reviewers who are not the author for risk tier 2, has 1; eligible: "
        "none",
    ]
    state, audit = bank(store_url)
    assert (state.serial, audit) == (5, [])
