"""keys-check.sh, the drift workflow's API key expiry step, run as the workflow runs it."""

from __future__ import annotations

import subprocess

from efctl.sandbox import open_store

SCRIPT = ".github/scripts/keys-check.sh"


def run_script(workspace, today: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", SCRIPT, "out", "30"],
        cwd=workspace.root,
        env={**workspace.env(), "EFCTL_TODAY": today, "CI": "true"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_key_expiring_within_30_days_is_a_warning_and_fails_the_step(workspace):
    with open_store(workspace.backend, seed_dir=workspace.root / "bank") as store:
        store.database.execute(
            "INSERT INTO api_keys (client_id, name, user_id, fingerprint, state, created, expires)"
            " VALUES ('10000001', 'erp', 'bruno.keller', 'sha256:0123456789abcdef', 'active',"
            " '2025-01-15', '2027-01-15')"
        )
    quiet = run_script(workspace, "2026-12-15")  # 31 days left
    assert (quiet.returncode, quiet.stdout) == (0, "no API key expires within 30 days\n")
    due = run_script(workspace, "2026-12-16")  # 30 days left
    assert (due.returncode, due.stdout) == (
        1,
        "::warning title=API key expires::10000001/api_keys/erp (user bruno.keller,"
        " sha256:0123456789abcdef) expires on 2027-01-15, in 30 days\n"
        "API keys expire within 30 days: plan and apply to rotate them\n",
    )
    assert '"days_left": 30' in (workspace.root / "out" / "keys.json").read_text(encoding="utf-8")
