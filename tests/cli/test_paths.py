"""The paths a user walks between the modules: global options, files outside the repository,
colour, option combinations, and how often a command reads the bank."""

from __future__ import annotations

import json
import re

import pytest
from signing import enrol, keypair

from efctl.app import Application
from efctl.app.planfile import write_plan
from efctl.config import load_settings
from reconcile.plan import canonical_json, sha256_of

EXAMPLE = "20145837"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def plan_json(repo, *args: str) -> dict:
    result = repo.efctl("plan", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def digest(entries: dict[str, bytes]) -> str:
    return sha256_of(canonical_json(sorted((p, sha256_of(b)) for p, b in entries.items())))


def test_a_declaration_outside_the_repository_is_planned_and_named_by_its_path(
    examples_repo, tmp_path
):
    outside = tmp_path / "elsewhere" / f"{EXAMPLE}.yaml"
    outside.parent.mkdir()
    outside.write_bytes((examples_repo.root / "clients" / f"{EXAMPLE}.yaml").read_bytes())
    plan = plan_json(examples_repo, str(outside))
    assert [c["client"] for c in plan["clients"]] == [EXAMPLE]
    assert plan["source"]["inputs_digest"] == digest({outside.as_posix(): outside.read_bytes()})


def test_a_symlink_in_clients_is_named_by_its_place_in_the_repository(examples_repo):
    """A link within the repository (one leading out is refused: tests/guarantees)."""
    target = examples_repo.root / "shared" / "elsewhere.yaml"
    target.parent.mkdir()
    declaration = examples_repo.root / "clients" / f"{EXAMPLE}.yaml"
    target.write_bytes(declaration.read_bytes())
    declaration.unlink()
    declaration.symlink_to(target)
    plan = plan_json(examples_repo, "--client", EXAMPLE)
    expected = {f"clients/{EXAMPLE}.yaml": target.read_bytes()}
    assert plan["source"]["inputs_digest"] == digest(expected)


@pytest.mark.parametrize("where", ["before", "after"])
def test_global_options_go_before_or_after_the_command(examples_repo, tmp_path, where):
    other = f"sqlite:///{tmp_path / 'other.db'}"
    created = examples_repo.efctl("sandbox", "init", "--backend", other)
    assert created.exit_code == 0, created.output
    args = ["--backend", other]
    command = ["sandbox", "status", "--format", "json"]
    result = examples_repo.efctl(*(args + command if where == "before" else command + args))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["url"] == str(tmp_path / "other.db")


def test_the_command_wins_over_the_group_for_a_global_option(examples_repo, tmp_path):
    first, second = (f"sqlite:///{tmp_path / name}" for name in ("first.db", "second.db"))
    examples_repo.efctl("sandbox", "init", "--backend", second)
    result = examples_repo.efctl(
        "--backend", first, "sandbox", "status", "--backend", second, "--format", "json"
    )
    assert json.loads(result.stdout)["url"] == str(tmp_path / "second.db")


def test_every_command_lists_the_global_options_in_its_help(examples_repo):
    for command in (["plan"], ["validate"], ["apply"], ["sandbox", "status"], ["audit", "verify"]):
        shown = examples_repo.efctl(*command, "--help").stdout
        section = shown.split("Global options:\n", 1)[1]
        assert [line.split()[0] for line in section.splitlines() if line.startswith("  --")] == [
            "--backend",
            "--catalog",
            "--color",
        ], command


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        ((), {}, False),  # not a terminal
        (("--color", "always"), {}, True),
        (("--color", "never"), {"FORCE_COLOR": "1"}, False),
        ((), {"FORCE_COLOR": "1"}, True),
        ((), {"FORCE_COLOR": "1", "NO_COLOR": ""}, True),
        ((), {"FORCE_COLOR": "0"}, False),
        (("--color", "auto"), {"NO_COLOR": "1"}, False),
    ],
)
def test_colour_follows_the_flag_then_force_color_and_no_color(examples_repo, args, env, coloured):
    examples_repo.env.pop("NO_COLOR")
    examples_repo.env.update(env)
    result = examples_repo.efctl("plan", *args)
    assert result.exit_code == 0, result.output
    assert bool(ANSI.search(result.stdout)) is coloured


def test_parts_dir_without_markdown_is_refused_before_planning(examples_repo, tmp_path):
    result = examples_repo.efctl("plan", "--parts-dir", str(tmp_path / "parts"))
    assert result.exit_code == 2
    assert result.stderr.endswith("Error: --parts-dir goes with --format markdown\n")
    assert not (tmp_path / "parts").exists()


def relationship_reads(app: Application) -> dict[str, int]:
    """Per relationship, how often the bank was read (one `FROM clients WHERE id` each)."""
    counts: dict[str, int] = {}

    def seen(statement: str) -> None:
        if statement.startswith("SELECT name, language, serial FROM clients WHERE id"):
            counts["reads"] = counts.get("reads", 0) + 1

    app.bank.database.trace = seen
    return counts


@pytest.mark.stores("sqlite", "postgresql")  # the same number of reads on both engines
def test_plan_reads_each_relationship_once_and_apply_a_small_constant(examples_repo, tmp_path):
    settings = load_settings(environ=examples_repo.env)
    app = Application(settings, notify=lambda _: None)
    enrol(examples_repo, tmp_path / "keys", ["regula.zuercher"])
    try:
        counts = relationship_reads(app)
        plan = app.plan()
        assert counts == {"reads": 5}  # five relationships, each read once (validate + plan)

        counts.clear()
        path = tmp_path / "plan.json"
        write_plan(plan, path)
        approvals = tmp_path / "plan.approvals.json"
        key = keypair(tmp_path / "keys", "regula.zuercher")
        app.approve(path, "regula.zuercher", "thomas.baertschi", approvals, key=key)
        counts.clear()
        evidence = app.local_evidence(approvals)
        app.apply(path, evidence, artifacts=tmp_path / "artifacts")
        # per relationship: the plan made now (validation shares it), then the state the
        # dual-control verdict is judged on just before its order
        assert counts == {"reads": 10}
    finally:
        app.close()


def test_plan_loads_and_resolves_each_relationship_once(examples_repo, monkeypatch):
    """Validation's resolution is the plan's: counted where each is made."""
    import efctl.app.plan
    import efctl.declarations.loader
    import efctl.declarations.pipeline

    made: dict[str, int] = {}

    def counted(name, function):
        def wrapper(*args, **kwargs):
            made[name] = made.get(name, 0) + 1
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(
        efctl.declarations.pipeline,
        "resolve_client",
        counted("resolve", efctl.declarations.pipeline.resolve_client),
    )
    monkeypatch.setattr(
        efctl.app.plan, "resolve_client", counted("resolve", efctl.app.plan.resolve_client)
    )
    monkeypatch.setattr(
        efctl.declarations.pipeline,
        "read_content",  # each file is read once, then parsed, or found in the parse cache
        counted("load", efctl.declarations.loader.read_content),
    )
    plan_json(examples_repo)
    assert made == {"resolve": 5, "load": 5}


def test_nothing_is_shown_twice_for_a_file_given_twice(examples_repo):
    path = f"clients/{EXAMPLE}.yaml"
    once, twice = plan_json(examples_repo, path), plan_json(examples_repo, path, path)
    assert twice["source"] == once["source"]
    assert [c["client"] for c in twice["clients"]] == [EXAMPLE]


def test_an_unknown_client_is_named_with_the_declared_ones(examples_repo):
    result = examples_repo.efctl("plan", "--client", "9999 9999")
    assert (result.exit_code, result.stderr) == (
        1,
        "efctl: error: --client 99999999: no such relationship is declared\n"
        "    hint: declared relationships: 20145837, 20145845, 20145853, 30518764, 40227319\n",
    )


def test_settings_mistakes_are_annotations_too_with_validate_format_github(examples_repo):
    (examples_repo.root / "efctl.yaml").write_text("clients: clients\nbackend: 42\n", "utf-8")
    result = examples_repo.efctl("validate", "--format", "github")
    assert (result.exit_code, result.stdout) == (
        1,
        "::error file=efctl.yaml,line=2,col=10,title=EF012::backend must be a string, not a"
        ' number%0Ahint: put it in quotes to keep it text: "42"\n'
        "1 error, 0 warnings in 0 files\n",
    )
