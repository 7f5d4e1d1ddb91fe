"""Every file the CLI writes goes through efctl.files.write_file: a planted symlink is refused
with its target untouched, and a path that cannot be written is a message, not an internal
error. (tests/test_files.py covers atomicity and the errors themselves.)"""

from __future__ import annotations

import pytest
from signing import enrol, keypair

HOLDING = "20145837"
REFUSED_LINK = (
    "efctl: error: cannot write {path}: it is a symbolic link, not a regular file\n"
    "    hint: remove it or choose another path\n"
)


@pytest.fixture
def victim(tmp_path):
    """A file outside the repository that a planted link points to."""
    path = tmp_path / "victim"
    path.write_text("precious\n", encoding="utf-8")
    return path


def outcome(result) -> tuple[int, str, str]:
    return result.exit_code, result.stdout, result.stderr


def test_plan_out_through_a_symlink_is_refused(examples_repo, victim):
    (examples_repo.root / "plan.json").symlink_to(victim)

    assert outcome(examples_repo.efctl("plan", "--out", "plan.json")) == (
        1,
        "",
        REFUSED_LINK.format(path="plan.json"),
    )
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert (examples_repo.root / "plan.json").is_symlink()


def test_plan_out_under_a_file_is_a_clear_error(examples_repo):
    examples_repo.write("existing_file", "kept\n")

    assert outcome(examples_repo.efctl("plan", "--out", "existing_file/x.json")) == (
        1,
        "",
        "efctl: error: cannot write existing_file/x.json: Not a directory\n"
        "    hint: a folder on the way to it is a file; choose another path\n",
    )
    assert (examples_repo.root / "existing_file").read_text(encoding="utf-8") == "kept\n"


def test_parts_replace_only_regular_files_and_refuse_a_planted_link(examples_repo, victim):
    parts = examples_repo.root / "parts"
    examples_repo.write("parts/plan-9.md", "stale part of an earlier run\n")
    (parts / "plan-7.md").mkdir()
    (parts / "plan-1.md").symlink_to(victim)

    result = examples_repo.efctl("plan", "--format", "markdown", "--parts-dir", "parts")

    assert (result.exit_code, result.stderr) == (1, REFUSED_LINK.format(path="parts/plan-1.md"))
    assert sorted(p.name for p in parts.iterdir()) == ["plan-1.md", "plan-7.md"]
    assert victim.read_text(encoding="utf-8") == "precious\n"


def test_parts_leave_a_folder_named_like_a_part_alone(examples_repo):
    parts = examples_repo.root / "parts"
    (parts / "plan-7.md").mkdir(parents=True)

    result = examples_repo.efctl("plan", "--format", "markdown", "--parts-dir", "parts")

    assert (result.exit_code, result.stderr) == (0, "")
    assert (parts / "plan-1.md").read_text(encoding="utf-8") == result.stdout
    assert sorted(p.name for p in parts.iterdir()) == ["plan-1.md", "plan-7.md"]


def test_import_out_through_a_symlink_is_refused(examples_repo, victim):
    (examples_repo.root / "imported.yaml").symlink_to(victim)

    assert outcome(examples_repo.efctl("import", HOLDING, "--out", "imported.yaml")) == (
        1,
        "",
        REFUSED_LINK.format(path="imported.yaml"),
    )
    assert victim.read_text(encoding="utf-8") == "precious\n"


def test_audit_export_through_a_symlink_is_refused(repo, victim):
    (repo.root / "audit.jsonl").symlink_to(victim)

    assert outcome(repo.efctl("audit", "export", "--out", "audit.jsonl")) == (
        1,
        "",
        REFUSED_LINK.format(path="audit.jsonl"),
    )
    assert victim.read_text(encoding="utf-8") == "precious\n"


def test_admin_form_through_a_symlink_is_refused(examples_repo, victim):
    repo = examples_repo
    declaration = repo.root / "clients" / f"{HOLDING}.yaml"
    declaration.write_text(
        declaration.read_text(encoding="utf-8").replace(
            "    github: mgisler\n", "    github: mgisler\n    admin: collective\n"
        ),
        encoding="utf-8",
    )
    form = f"artifacts/admin-right-form-{HOLDING}.pdf"
    repo.write(form, "placeholder")
    (repo.root / form).unlink()
    (repo.root / form).symlink_to(victim)
    keys = repo.root.parent / "keys"
    enrol(repo, keys, ["regula.zuercher"])
    key = str(keypair(keys, "regula.zuercher"))
    steps = [
        ("plan", "--client", HOLDING, "--out", "plan.json"),
        ("approve", "plan.json", "--as", "regula.zuercher", "--author", "thomas.baertschi"),
    ]
    steps[1] += ("--key", key)
    for step in steps:
        assert repo.efctl(*step).exit_code == 0

    applied = repo.efctl(
        "apply", "plan.json", "--approvals", "plan.approvals.json", "--artifacts", "artifacts"
    )

    assert (applied.exit_code, applied.stderr) == (1, REFUSED_LINK.format(path=form))
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert (repo.root / form).is_symlink()
