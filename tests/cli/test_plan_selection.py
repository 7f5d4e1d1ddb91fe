"""plan --jobs, --shard and --changed-since through the real CLI, on the examples' five
relationships: what each plans, what `show` merges, and that apply takes the result."""

from __future__ import annotations

import json
import subprocess

from efctl.app import Application
from efctl.app.shards import shard_of
from efctl.config import load_settings

HOLDING, HAUSTECHNIK, IMMOBILIEN, REZZONICO, ROCHAT = (
    "20145837",
    "20145845",
    "20145853",
    "30518764",
    "40227319",
)
CLIENTS = [HOLDING, HAUSTECHNIK, IMMOBILIEN, REZZONICO, ROCHAT]
NO_RIGHTS = "users:\n  - {id: carla.rossi, name: Carla Rossi}\n"  # EF113, a warning
BROKEN = "users:\n  - {id: carla.rossi, name: Carla Rossi, admin: boss}\n"  # EF013, an error


def plan_json(repo, *args: str) -> dict:
    result = repo.efctl("plan", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def without_time(plan: dict) -> dict:
    return {k: v for k, v in plan.items() if k != "created_at"}


def add_user(repo, client: str, text: str) -> None:
    path = repo.root / "clients" / f"{client}.yaml"
    path.write_text(path.read_text().replace("users:\n", text, 1))


def git(repo, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.ch", *args],
        cwd=repo.root,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def committed(repo) -> str:
    """The repository as a git repository of one commit (the bank stays out of it)."""
    (repo.root / ".gitignore").write_text(".efctl/\n*.json\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the declarations")
    return git(repo, "rev-parse", "HEAD")


def approve(repo, planfile: str, approvers: list[str]) -> None:
    """Unsigned approvals (the local SQLite sandbox), thomas.baertschi the author."""
    for number, user in enumerate(approvers):
        first = ("--author", "thomas.baertschi") if number == 0 else ()
        approved = repo.efctl("approve", planfile, "--as", user, *first, "--unsigned")
        assert approved.exit_code == 0, approved.output


# --- --jobs -------------------------------------------------------------------------------


def test_jobs_2_gives_the_plan_and_the_diagnostics_of_jobs_1(examples_repo):
    examples_repo.env["EFCTL_CACHE"] = "off"  # every file parsed, so the workers parse them
    add_user(examples_repo, HAUSTECHNIK, NO_RIGHTS)
    add_user(examples_repo, ROCHAT, NO_RIGHTS)
    one, two, every = (plan_json(examples_repo, "--jobs", n) for n in ("1", "2", "0"))
    assert [d["code"] for d in one["diagnostics"]] == ["EF113", "EF113"]
    assert without_time(two) == without_time(one) == without_time(every)

    add_user(examples_repo, IMMOBILIEN, BROKEN)
    add_user(examples_repo, REZZONICO, BROKEN)
    twice = examples_repo.root / "clients" / f"{HOLDING}.yaml"
    (twice.parent / "holding-copy.yaml").write_bytes(twice.read_bytes())  # EF114 on the later
    runs = [examples_repo.efctl("plan", "--jobs", n) for n in ("1", "2")]
    assert [r.exit_code for r in runs] == [1, 1]
    assert runs[0].stderr.count("error EF013") == 2 and "warning EF113" in runs[0].stderr
    assert (
        f"clients/holding-copy.yaml:6:14: error EF114: client relationship {HOLDING} is already "
        f"declared in clients/{HOLDING}.yaml\n" in runs[0].stderr
    )
    assert runs[1].stderr == runs[0].stderr  # the same diagnostics, in the same order


# --- --shard and show --------------------------------------------------------------------------


def test_shards_partition_the_fleet_and_merge_back_into_the_unsharded_plan(examples_repo):
    add_user(examples_repo, ROCHAT, NO_RIGHTS)  # a diagnostic to merge, too
    assert examples_repo.efctl("plan", "--out", "plan.json").exit_code == 0
    whole = json.loads((examples_repo.root / "plan.json").read_text())
    for count in (2, 3):
        files = [f"shard-{k}-of-{count}.json" for k in range(1, count + 1)]
        for index, name in enumerate(files, start=1):
            made = examples_repo.efctl("plan", "--shard", f"{index}/{count}", "--out", name)
            assert made.exit_code == 0, made.output
        shards = [json.loads((examples_repo.root / name).read_text()) for name in files]
        held = [[c["client"] for c in shard["clients"]] for shard in shards]
        assert sorted(c for share in held for c in share) == CLIENTS  # each in exactly one
        assert held == [
            [c for c in CLIENTS if shard_of(c, count) == k] for k in range(1, count + 1)
        ]
        assert [s["options"]["shard"] for s in shards] == [
            {"index": k, "count": count} for k in range(1, count + 1)
        ]
        assert {s["source"]["inputs_digest"] for s in shards} == {whole["source"]["inputs_digest"]}

        shown = examples_repo.efctl("show", *reversed(files), "--out", "merged.json")
        assert shown.exit_code == 0, shown.output
        merged = json.loads((examples_repo.root / "merged.json").read_text())
        assert without_time(merged) == without_time(whole)  # the same plan id, too
        assert shown.stdout == examples_repo.efctl("show", "plan.json").stdout

    # apply takes the merged plan as the unsharded one: the approvals of plan.json hold for it
    approvers = ["regula.zuercher", "giorgio.rezzonico", "frederic.rochat", "gisele.dufour"]
    approve(examples_repo, "plan.json", approvers)
    applied = examples_repo.efctl("apply", "merged.json", "--approvals", "plan.approvals.json")
    assert applied.exit_code == 0, applied.output
    assert "Apply: 5 applied." in applied.stdout.splitlines()


def test_show_refuses_shard_plans_that_are_not_one_whole_run(examples_repo):
    commit = committed(examples_repo)
    for index in (1, 2, 3):
        made = examples_repo.efctl("plan", "--shard", f"{index}/3", "--out", f"s{index}.json")
        assert made.exit_code == 0, made.output
    examples_repo.efctl("plan", "--shard", "2/3", "--allow-mass-removal", "--out", "mass.json")
    examples_repo.efctl("plan", "--out", "whole.json")
    git(examples_repo, "commit", "-q", "--allow-empty", "-m", "later")
    examples_repo.efctl("plan", "--shard", "3/3", "--out", "later.json")
    later = git(examples_repo, "rev-parse", "HEAD")

    def refusal(*args: str) -> tuple[int, str]:
        result = examples_repo.efctl("show", *args)
        return result.exit_code, result.stderr.splitlines()[0]

    assert refusal("s1.json", "s2.json") == (
        1,
        "efctl: error: shard 3/3 missing: the merged plan would not cover every relationship",
    )
    assert refusal("s1.json", "s2.json", "s2.json") == (
        1,
        "efctl: error: s2.json and s2.json are both shard 2/3",
    )
    assert refusal("s1.json", "s2.json", "later.json") == (
        1,
        f"efctl: error: later.json and s1.json are not shards of one plan: their commits "
        f"differ ({later} and {commit})",
    )
    assert refusal("s1.json", "mass.json", "s3.json")[1].startswith(
        "efctl: error: mass.json and s1.json are not shards of one plan: their options differ"
    )
    assert refusal("s1.json", "whole.json") == (
        1,
        "efctl: error: whole.json: not a shard plan, so there is nothing to merge it with",
    )
    alone = examples_repo.efctl("show", "s2.json")
    assert alone.exit_code == 0
    assert alone.stdout.splitlines()[-2] == (
        "Shard 2 of 3: only this share of the relationships; efctl show merges the shard plans "
        "into the whole plan."
    )
    for command in (("approve", "s2.json", "--as", "regula.zuercher", "--unsigned"),
                    ("apply", "s2.json", "--approvals", "none.json")):  # fmt: skip
        refused = examples_repo.efctl(*command)
        assert (refused.exit_code, refused.stderr.splitlines()[0]) == (
            1,
            "efctl: error: s2.json: this is shard 2/3 of a plan, not a whole plan; "
            "nothing was done",
        )


def test_a_relationship_keeps_its_shard_and_shards_are_balanced():
    # pinned: a relationship's shard must not move between efctl versions
    assert [shard_of(c, 3) for c in CLIENTS] == [2, 1, 1, 2, 2]
    fleet = [f"{n:08d}" for n in range(10_000_000, 10_001_000)]
    sizes = [sum(shard_of(c, 4) == k for c in fleet) for k in (1, 2, 3, 4)]
    assert sum(sizes) == 1000 and all(200 <= size <= 300 for size in sizes), sizes


# --- --changed-since ---------------------------------------------------------------------------


def test_changed_since_plans_only_the_relationships_whose_files_changed(examples_repo):
    base = committed(examples_repo)
    clients = examples_repo.root / "clients"
    (clients / f"{HOLDING}.yaml").write_text(
        (clients / f"{HOLDING}.yaml").read_text() + "# reviewed\n"
    )
    git(examples_repo, "commit", "-qam", "committed after the base")
    (clients / f"{HAUSTECHNIK}.yaml").write_text(
        (clients / f"{HAUSTECHNIK}.yaml").read_text() + "# staged\n"
    )
    git(examples_repo, "add", f"clients/{HAUSTECHNIK}.yaml")
    git(examples_repo, "mv", f"clients/{IMMOBILIEN}.yaml", "clients/immobilien.yaml")  # renamed
    (clients / f"{REZZONICO}.yaml").rename(clients / "rezzonico.yaml")  # untracked, new name
    # ROCHAT's file is unchanged

    result = examples_repo.efctl("plan", "--changed-since", "main~1", "--out", "plan.json")
    assert result.exit_code == 0, result.output
    plan = json.loads((examples_repo.root / "plan.json").read_text())
    assert [c["client"] for c in plan["clients"]] == [HOLDING, HAUSTECHNIK, IMMOBILIEN, REZZONICO]
    assert plan["options"]["changed_since"] == {"ref": "main~1", "commit": base, "all": False}
    assert result.stdout.splitlines()[-2] == (
        "Partial plan: only the relationships whose declarations changed since main~1 "
        f"(commit {base[:12]})."
    )
    assert f"client {ROCHAT}" not in result.stdout
    markdown = examples_repo.efctl("show", "plan.json", "--format", "markdown").stdout
    assert "> [!NOTE]\n> Partial plan: only the relationships whose declarations changed" in (
        markdown
    )

    # the partial plan is applied as reviewed, and only its relationships
    rochat_before = examples_repo.efctl("plan", "--client", ROCHAT, "--format", "json").stdout
    approve(examples_repo, "plan.json", ["regula.zuercher", "giorgio.rezzonico"])
    applied = examples_repo.efctl("apply", "plan.json", "--approvals", "plan.approvals.json")
    assert applied.exit_code == 0, applied.output
    assert "Apply: 4 applied." in applied.stdout.splitlines()
    rochat_after = examples_repo.efctl("plan", "--client", ROCHAT, "--format", "json").stdout
    assert json.loads(rochat_after)["clients"] == json.loads(rochat_before)["clients"]


def test_changed_since_reads_only_the_changed_relationships_at_the_bank(examples_repo):
    committed(examples_repo)
    changed = examples_repo.root / "clients" / f"{REZZONICO}.yaml"
    changed.write_text(changed.read_text() + "# one more line\n")
    app = Application(load_settings(environ=examples_repo.env), notify=lambda _: None)
    read: list[str] = []

    def seen(statement: str) -> None:
        if statement.startswith("SELECT name, language, serial FROM clients WHERE id"):
            read.append(statement)

    try:
        app.bank.database.trace = seen
        plan = app.plan(changed_since="HEAD")
    finally:
        app.close()
    assert [c.client for c in plan.clients] == [REZZONICO]
    assert len(read) == 1  # the other four are checked offline, and not read


def test_changed_since_plans_all_after_efctl_yaml_none_when_nothing_changed(examples_repo):
    base = committed(examples_repo)
    nothing = examples_repo.efctl("plan", "--changed-since", "main", "--detailed-exitcode")
    assert (nothing.exit_code, nothing.stdout, nothing.stderr) == (
        0,
        "no declaration changed since main: nothing to plan\n",
        "",
    )
    assert plan_json(examples_repo, "--changed-since", "main")["clients"] == []

    (examples_repo.root / "clients" / "README.md").write_text("Not a declaration.\n")
    assert plan_json(examples_repo, "--changed-since", "main")["clients"] == []

    config = examples_repo.root / "efctl.yaml"
    config.write_text(config.read_text() + "# the next catalog comes next week\n")
    everything = plan_json(examples_repo, "--changed-since", "main")
    assert [c["client"] for c in everything["clients"]] == CLIENTS
    assert everything["options"]["changed_since"] == {"ref": "main", "commit": base, "all": True}
    assert without_time(everything)["clients"] == plan_json(examples_repo)["clients"]

    unknown = examples_repo.efctl("plan", "--changed-since", "no-such-branch")
    assert (unknown.exit_code, unknown.stdout) == (1, "")
    assert unknown.stderr == (
        "efctl: error: --changed-since no-such-branch: git knows no commit by that name\n"
        "    hint: name a branch, tag or commit; in a shallow checkout fetch it first "
        "(git fetch origin main, or actions/checkout with fetch-depth: 0)\n"
    )


def test_a_shard_that_is_no_share_is_refused(repo):
    for shard in ("0/2", "3/2", "1of2", "1/0"):
        result = repo.efctl("plan", "--shard", shard)
        assert (result.exit_code, result.stderr) == (
            1,
            f"efctl: error: --shard {shard}: not a shard\n"
            "    hint: K/N with 1 <= K <= N, e.g. --shard 2/4 for the second of four CI jobs\n",
        )
