"""API keys end to end through the real CLI, on SQLite and PostgreSQL: the plan (create,
rotation window, inactive keys), apply with a secret sink (files, a command, GitHub's mask),
the refusals that leave the bank untouched, and a kill -9 between issue and activation."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from signing import enrol, keypair

from efctl.sandbox import open_store
from reconcile.model import KeyState

pytestmark = pytest.mark.stores("sqlite", "postgresql")

ROCHAT = "40227319"
AUTHOR, APPROVER = "gisele.dufour", "frederic.rochat"  # both collective admins of Rochat
PLAN, APPROVALS = "plan.json", "plan.approvals.json"
DECLARED = "api_keys:\n  - {name: erp-facturation, user: helene.perret}\n"
SQLITE_ONLY = pytest.mark.stores("sqlite")  # refusals, views and sinks: the store adds nothing
NEW_KEY = DECLARED + "  - {name: erp-2, user: amelie.chevalley}\n"


def declare(repo, api_keys: str = NEW_KEY) -> None:
    path = repo.root / "clients" / f"{ROCHAT}.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("api_keys:\n")
    path.write_text(text[:start] + api_keys, encoding="utf-8")


def plan_and_approve(repo, author: str = AUTHOR, approvers=(APPROVER,)) -> dict:
    keys = repo.root.parent / "keys"
    enrol(repo, keys, [AUTHOR, APPROVER, "helene.perret"])
    (repo.root / APPROVALS).unlink(missing_ok=True)
    result = repo.efctl("plan", "--client", ROCHAT, "--out", PLAN)
    assert result.exit_code == 0, result.output
    for number, approver in enumerate(approvers):
        first = ("--author", author) if number == 0 else ()
        key = ("--key", str(keypair(keys, approver)))
        approved = repo.efctl("approve", PLAN, "--as", approver, *first, *key)
        assert approved.exit_code == 0, approved.output
    return json.loads((repo.root / PLAN).read_text(encoding="utf-8"))


def bank_keys(repo, name: str | None = None):
    with open_store(repo.env["EFCTL_BACKEND"]) as store:
        keys = store.read_client(ROCHAT).api_keys
    return [k for k in keys if name is None or k.name == name]


def verify(repo, secret: str) -> str | None:
    with open_store(repo.env["EFCTL_BACKEND"]) as store:
        return store.verify_api_key(ROCHAT, secret)


def private_dir(tmp_path: Path, name: str = "secrets") -> Path:
    folder = tmp_path / name
    folder.mkdir(mode=0o700)
    return folder


@SQLITE_ONLY
def test_a_plan_that_issues_keys_is_refused_without_a_sink(examples_repo):
    repo = examples_repo
    declare(repo)
    plan_and_approve(repo)
    before = bank_keys(repo)
    result = repo.efctl("apply", PLAN, "--approvals", APPROVALS)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "efctl: error: the plan issues API keys, and no secret sink was given; nothing was"
        " applied\n"
        "    hint: give a secret sink: --secrets-dir DIR (a private directory outside the"
        " repository) or --secrets-command CMD (the secret on its stdin, e.g. a vault's or"
        " `gh secret set NAME`)\n"
    )
    assert bank_keys(repo) == before


@SQLITE_ONLY  # the leak and kill -9 tests apply keys on both stores
def test_apply_issues_the_key_into_a_private_file_then_plans_no_change(examples_repo, tmp_path):
    repo = examples_repo
    declare(repo)
    plan = plan_and_approve(repo)
    (change,) = [c for c in plan["clients"][0]["changes"] if c["resource"] == "api_key"]
    assert (change["address"], change["action"], change["after"]) == (
        f"{ROCHAT}/api_keys/erp-2",
        "create",
        {"user": "amelie.chevalley"},
    )
    sink = private_dir(tmp_path)
    result = repo.efctl("apply", PLAN, "--approvals", APPROVALS, "--secrets-dir", str(sink))
    assert result.exit_code == 0, result.output
    (key,) = bank_keys(repo, "erp-2")
    assert (key.state, key.user, key.created.isoformat(), key.expires.isoformat()) == (
        KeyState.ACTIVE,
        "amelie.chevalley",
        "2026-11-20",
        "2028-11-20",
    )
    (file,) = sink.iterdir()
    assert file.name == f"{ROCHAT}.erp-2.{key.fingerprint.removeprefix('sha256:')}.key"
    assert file.stat().st_mode & 0o777 == 0o600
    secret = file.read_text(encoding="ascii").strip()
    assert verify(repo, secret) == "erp-2"
    assert result.stdout.splitlines()[1:3] == [
        f"  {ROCHAT}  applied  order {ROCHAT}-1 executed, serial 12 -> 13; API keys: 1 of 1"
        " requests done",
        f"      API key erp-2 (create): issued, {key.fingerprint}, expires 2028-11-20",
    ]
    again = repo.efctl("plan", "--client", ROCHAT, "--detailed-exitcode")
    assert again.exit_code == 0, again.output


@SQLITE_ONLY
def test_an_unsafe_secrets_dir_is_refused_before_anything(examples_repo, tmp_path):
    repo = examples_repo
    declare(repo)
    plan_and_approve(repo)
    opened = tmp_path / "open"
    opened.mkdir()
    opened.chmod(0o750)
    link = tmp_path / "link"
    link.symlink_to(private_dir(tmp_path))
    inside = private_dir(repo.root, "secrets")
    cases = [
        (opened, "is open to group or others (mode 750); `chmod 700` it first"),
        (link, "is a symbolic link; name the directory itself"),
        (
            inside,
            f"is inside the repository's work tree ({repo.root}): a secret could be committed",
        ),
        (tmp_path / "nowhere", "no such directory"),
    ]
    for folder, why in cases:
        result = repo.efctl("apply", PLAN, "--approvals", APPROVALS, "--secrets-dir", str(folder))
        assert (result.exit_code, result.stdout) == (1, "")
        assert result.stderr.splitlines()[0] == (
            f"efctl: error: --secrets-dir {folder}: {why}; nothing was applied"
        )
    assert bank_keys(repo, "erp-2") == []
    assert repo.efctl("plan", "--client", ROCHAT, "--detailed-exitcode").exit_code == 2


@SQLITE_ONLY
def test_a_secrets_command_gets_the_secret_on_stdin_and_the_key_in_its_environment(
    examples_repo, tmp_path
):
    repo = examples_repo
    declare(repo)
    plan_and_approve(repo)
    out = private_dir(tmp_path)
    command = f'cat > {out}/secret; env | grep "^EFCTL_[CK]" | sort > {out}/env'
    repo.env["GITHUB_ACTIONS"] = "true"
    result = repo.efctl("apply", PLAN, "--approvals", APPROVALS, "--secrets-command", command)
    assert result.exit_code == 0, result.output
    secret = (out / "secret").read_text(encoding="ascii").strip()
    assert (out / "env").read_text(encoding="utf-8") == (
        f"EFCTL_CLIENT={ROCHAT}\nEFCTL_KEY_EXPIRES=2028-11-20\nEFCTL_KEY_NAME=erp-2\n"
    )
    # In GitHub Actions the secret is masked before anything else is printed.
    assert result.stdout.splitlines()[0] == f"::add-mask::{secret}"
    assert result.stdout.count(secret) == 1 and secret not in result.stderr
    assert verify(repo, secret) == "erp-2"


@SQLITE_ONLY
def test_a_failing_secrets_command_leaves_no_key(examples_repo):
    repo = examples_repo
    declare(repo)
    plan_and_approve(repo)
    result = repo.efctl("apply", PLAN, "--approvals", APPROVALS, "--secrets-command", "exit 3")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1:3] == [
        f"  {ROCHAT}  failed  order {ROCHAT}-1 executed, serial 12 -> 13; API keys: 0 of 1"
        " requests done; erp-2: the secrets command exited with 3",
        "      API key erp-2 (create): failed: the secrets command exited with 3",
    ]
    assert bank_keys(repo, "erp-2") == []
    # The next plan asks for the key again, and nothing else.
    replan = repo.efctl("plan", "--client", ROCHAT, "--format", "json")
    changes = json.loads(replan.stdout)["clients"][0]["changes"]
    assert [(c["address"], c["action"]) for c in changes] == [
        (f"{ROCHAT}/api_keys/erp-2", "create")
    ]


@SQLITE_ONLY
def test_keys_are_requested_by_an_admin_only(examples_repo, tmp_path):
    repo = examples_repo
    declare(repo)
    # A user without Admin right made the plan; the two collective admins approved it.
    plan_and_approve(repo, author="helene.perret", approvers=(APPROVER, AUTHOR))
    sink = private_dir(tmp_path)
    result = repo.efctl("apply", PLAN, "--approvals", APPROVALS, "--secrets-dir", str(sink))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1] == (
        f"  {ROCHAT}  refused  API keys are requested by an admin of the relationship, and"
        " helene.perret, who made the plan, holds no Admin right there; nothing was applied"
    )
    assert bank_keys(repo, "erp-2") == [] and list(sink.iterdir()) == []


@SQLITE_ONLY
def test_the_rotation_window_and_rotate_true(examples_repo, tmp_path):
    """erp-facturation was issued on 2025-03-01: it expires on 2027-03-01."""
    repo = examples_repo
    repo.env["EFCTL_TODAY"] = "2027-01-29"  # 31 days left: kept
    assert repo.efctl("plan", "--client", ROCHAT, "--detailed-exitcode").exit_code == 0
    repo.env["EFCTL_TODAY"] = "2027-01-30"  # 30 days left: rotated
    result = repo.efctl("plan", "--client", ROCHAT, "--detailed-exitcode")
    assert result.exit_code == 2
    assert result.stdout.split("  API keys\n")[1].split("  approval:")[0] == (
        "  -/+ erp-facturation    (fingerprint sha256:fdd30d181234d70e…, expires 2027-03-01 (30"
        " days left))\n"
        "        rotation: expires on 2027-03-01, within the 30 days before expiry when keys are"
        " rotated: a\n          new key is issued and activated, then the old one revoked\n"
        "        the bank shows a new key once; apply hands it to the secret sink, never the plan\n"
    )
    repo.write("efctl.yaml", "clients: clients\nseed: bank\nrotate_before_days: 20\n")
    assert repo.efctl("plan", "--client", ROCHAT, "--detailed-exitcode").exit_code == 0
    declare(repo, DECLARED.replace("helene.perret}", "helene.perret, rotate: true}"))
    plan_and_approve(repo)
    sink = private_dir(tmp_path)
    applied = repo.efctl("apply", PLAN, "--approvals", APPROVALS, "--secrets-dir", str(sink))
    assert applied.exit_code == 0, applied.output
    (key,) = bank_keys(repo)
    assert (key.created.isoformat(), key.expires.isoformat()) == ("2027-01-30", "2029-01-30")
    # rotate: true rotates once: a key issued today is not rotated again.
    assert repo.efctl("plan", "--client", ROCHAT, "--detailed-exitcode").exit_code == 0


def efctl_process(repo, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "from efctl.cli import main; main()", *args],
        cwd=repo.root,
        env={**os.environ, **repo.env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        **kwargs,
    )


def test_kill_9_between_issue_and_activation_then_plan_and_apply_again(examples_repo, tmp_path):
    repo = examples_repo
    declare(repo)
    plan_and_approve(repo)
    out = private_dir(tmp_path)
    started = out / "started"
    slow = f"cat > {out}/first; touch {started}; sleep 60"
    apply = efctl_process(repo, "apply", PLAN, "--approvals", APPROVALS, "--secrets-command", slow)
    deadline = time.monotonic() + 30
    while not started.exists():
        assert apply.poll() is None and time.monotonic() < deadline, apply.communicate()
        time.sleep(0.05)
    os.killpg(apply.pid, signal.SIGKILL)  # the apply and its sink command
    apply.communicate()
    (left,) = bank_keys(repo, "erp-2")
    assert left.state is KeyState.INACTIVE
    assert verify(repo, (out / "first").read_text(encoding="ascii").strip()) is None

    result = repo.efctl("plan", "--client", ROCHAT)
    assert "-/+ erp-2" in result.stdout and "held inactive" not in result.stdout
    assert "rotation: the bank holds this key inactive: an apply stopped before its" in (
        " ".join(result.stdout.split())
    )
    plan_and_approve(repo)
    applied = repo.efctl(
        "apply", PLAN, "--approvals", APPROVALS, "--secrets-command", f"cat > {out}/second"
    )
    assert applied.exit_code == 0, applied.output
    (key,) = bank_keys(repo, "erp-2")
    assert key.state is KeyState.ACTIVE and key.fingerprint != left.fingerprint
    assert verify(repo, (out / "second").read_text(encoding="ascii").strip()) == "erp-2"
    assert repo.efctl("plan", "--client", ROCHAT, "--detailed-exitcode").exit_code == 0


def encodings(secret: str) -> set[bytes]:
    """The secret as text, and its text and its 32 random bytes in base64 and hex."""
    raw = base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))
    forms = {secret.encode("ascii")}
    for data in (secret.encode("ascii"), raw):
        forms |= {
            base64.b64encode(data),
            base64.urlsafe_b64encode(data),
            base64.b64encode(data).rstrip(b"="),
            data.hex().encode("ascii"),
            data.hex().upper().encode("ascii"),
        }
    forms.add(raw)
    return forms


def bank_dump(url: str) -> bytes:
    """Every row of every table of the bank, and for SQLite the files of the database."""
    with open_store(url) as store:
        db = store.database
        rows = [repr(db.query(f"SELECT * FROM {table}")) for table in sorted(db.tables())]
    dump = "\n".join(rows).encode("utf-8")
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        beside = path.parent.glob(path.name + "*")  # the file, its journal, its lock files
        dump += b"".join(
            f.read_bytes() for p in beside for f in (p.iterdir() if p.is_dir() else [p])
        )
    return dump


def test_no_secret_leaks_anywhere_but_the_sink(examples_repo, tmp_path):
    """A full flow: plan, apply with a sink, rotate, keys list/check, audit, the plan's views,
    a dump of the bank, every output; each secret only in its sink file."""
    repo = examples_repo
    outputs: list[bytes] = []

    def run(*args: str, code: int | None = 0):
        result = repo.efctl(*args)
        outputs.extend([result.stdout_bytes, result.stderr_bytes])
        assert code is None or result.exit_code == code, result.output
        return result

    sink = private_dir(tmp_path)
    declare(repo)
    for today in ("2026-11-20", "2028-10-25"):  # issue erp-2; then rotate both keys
        repo.env["EFCTL_TODAY"] = today
        plan_and_approve(repo)
        run("plan", "--client", ROCHAT)
        run("plan", "--client", ROCHAT, "--format", "markdown")
        run("show", PLAN, "--format", "markdown")
        run("apply", PLAN, "--approvals", APPROVALS, "--secrets-dir", str(sink))
        run("apply", PLAN, "--approvals", APPROVALS, "--secrets-dir", str(sink), code=None)
        run("keys", "list")
        run("keys", "check", "--format", "json", code=None)
        run("audit", "show", "--format", "json")
        run("audit", "export", "--out", "audit.jsonl")
    secrets = [f.read_text(encoding="ascii").strip() for f in sorted(sink.iterdir())]
    assert len(secrets) == 3 and len(set(secrets)) == 3
    assert [k.state for k in bank_keys(repo)] == [KeyState.ACTIVE, KeyState.ACTIVE]
    # the two keys active now verify (erp-2's first one was rotated away)
    assert sorted(filter(None, (verify(repo, secret) for secret in secrets))) == [
        "erp-2",
        "erp-facturation",
    ]
    files = [p.read_bytes() for p in repo.root.rglob("*") if p.is_file()]
    haystack = [*outputs, *files, bank_dump(repo.env["EFCTL_BACKEND"])]
    for secret in secrets:
        for form in encodings(secret):
            assert not any(form in hay for hay in haystack), f"a secret leaked: {form[:8]!r}…"
        assert sum(secret in f.read_text(encoding="ascii") for f in sink.iterdir()) == 1
