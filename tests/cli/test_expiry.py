"""Time-boxed grants through the real CLI: `until` on a user, a single entry and an API key.

The day is the fixtures' EFCTL_TODAY (2026-11-20): an `until` of 2026-11-19 is yesterday's."""

from __future__ import annotations

import json

BANK = """\
version: 1
client: {id: "10000001", name: Testfirma AG, language: de}
serial: 5
contracts:
  - {id: CH9300762011623852957, type: account, name: Betriebskonto}
  - {id: DP-10000001-1, type: deposit, name: Sparkonto}
  - {id: BS-10000001-1, type: billing_solutions, name: Billing Solutions}
users:
  - id: anna.muster
    name: Anna Muster
    language: de
    admin: collective
    authorizations: {CH9300762011623852957: sign_collective}
  - id: bruno.keller
    name: Bruno Keller
    language: de
    admin: collective
    authorizations: {CH9300762011623852957: sign_collective, DP-10000001-1: read}
  - id: carla.rossi
    name: Carla Rossi
    language: de
    authorizations: {CH9300762011623852957: read}
  - id: eva.pruefer
    name: Eva Prüfer
    language: de
    authorizations: {CH9300762011623852957: read, BS-10000001-1: read}
api_keys:
  - name: audit-export
    user: eva.pruefer
    fingerprint: "sha256:1111222233334444111122223333444411112222333344441111222233334444"
    created: "2026-01-10"
"""

DECLARED = """\
# Testfirma AG: two admins and, for the audit, Eva
version: 1
client: {id: "10000001", name: Testfirma AG, language: de}
users:
  - id: anna.muster   # signs with Bruno
    name: Anna Muster
    admin: collective
    authorizations:
      single: [{contract: CH9300762011623852957, profile: sign_collective}]
  - id: bruno.keller
    name: Bruno Keller
    admin: collective
    authorizations:
      copy_from: anna.muster
      single:
        - {contract: DP-10000001-1, profile: read, until: 2026-11-19}   # the savings review
  - id: carla.rossi
    name: Carla Rossi
    authorizations: {all: {account: read}}
  # the external auditor, for the year-end audit
  - id: eva.pruefer
    name: Eva Prüfer
    until: 2026-11-19
    authorizations:
      all: {account: read, billing_solutions: read}
api_keys:
  - {name: audit-export, user: eva.pruefer}
"""

AFTER_EXPIRE = """\
# Testfirma AG: two admins and, for the audit, Eva
version: 1
client: {id: "10000001", name: Testfirma AG, language: de}
users:
  - id: anna.muster   # signs with Bruno
    name: Anna Muster
    admin: collective
    authorizations:
      single: [{contract: CH9300762011623852957, profile: sign_collective}]
  - id: bruno.keller
    name: Bruno Keller
    admin: collective
    authorizations:
      copy_from: anna.muster
  - id: carla.rossi
    name: Carla Rossi
    authorizations: {all: {account: read}}
"""


def expired(on: str, entry: str, text: str | None = None) -> dict:
    return {
        "kind": "expired",
        "text": text or f"expired on {on}",
        "data": {"on": on, "entry": entry},
    }


def seeded(repo):
    repo.write("bank/10000001.yaml", BANK)
    assert repo.efctl("sandbox", "reset").exit_code == 0
    repo.write("clients/10000001.yaml", DECLARED)
    return repo


def test_a_grant_until_yesterday_is_gone_from_the_plan_and_its_removal_says_expired(repo):
    seeded(repo)
    planned = repo.efctl("plan", "--format", "json")

    assert planned.exit_code == 0, planned.stderr
    changes = json.loads(planned.stdout)["clients"][0]["changes"]
    assert [(c["address"], c["action"], c["notes"]) for c in changes] == [
        (
            "10000001/users/bruno.keller/authorizations/DP-10000001-1",
            "delete",
            [expired("2026-11-19", "single")],
        ),
        ("10000001/users/eva.pruefer", "delete", [expired("2026-11-19", "user")]),
        (
            "10000001/users/eva.pruefer/authorizations/BS-10000001-1",
            "delete",
            [expired("2026-11-19", "user")],
        ),
        (
            "10000001/users/eva.pruefer/authorizations/CH9300762011623852957",
            "delete",
            [expired("2026-11-19", "user")],
        ),
        (
            "10000001/api_keys/audit-export",
            "delete",
            [
                {
                    "kind": "key_revoked",
                    "text": "revoked with its user eva.pruefer, whom this plan deletes",
                    "data": {"user": "eva.pruefer", "with_user": True},
                },
                expired("2026-11-19", "api_key", "expired on 2026-11-19 with its user eva.pruefer"),
            ],
        ),
    ]
    # one user of four, deleted on the day declared for it
    assert "EF302" not in planned.stderr

    text = repo.efctl("plan").stdout
    assert (
        "  user bruno.keller\n"
        "    - DP-10000001-1                read\n"
        "        expired on 2026-11-19\n"
    ) in text

    repo.env["EFCTL_TODAY"] = "2026-11-18"  # the day before: everything still counts
    assert repo.efctl("plan", "--detailed-exitcode").exit_code == 0


def test_validate_warns_within_the_configured_window_and_on_the_until_line(repo):
    seeded(repo)
    repo.env["EFCTL_TODAY"] = "2026-11-01"  # 18 days before the until
    assert repo.efctl("validate").stderr == ""

    repo.write("efctl.yaml", "clients: clients\nseed: bank\nexpiry_warning_days: 18\n")
    result = repo.efctl("validate")
    assert (result.exit_code, result.stderr) == (
        0,
        "clients/10000001.yaml:16:59: warning EF120: the single entry of user 'bruno.keller' on "
        "DP-10000001-1 expires on 2026-11-19, in 18 days: from then on the plan removes what it "
        "grants\n"
        "    hint: move until to extend the access, or leave it to end\n"
        "clients/10000001.yaml:23:12: warning EF120: user 'eva.pruefer' expires on 2026-11-19, "
        "in 18 days: from then on the plan removes what it grants (and its API key "
        "audit-export)\n"
        "    hint: move until to extend the access, or leave it to end\n"
        "0 errors, 2 warnings in 1 file\n",
    )


def test_explain_shows_until_and_what_has_expired(repo):
    seeded(repo)
    result = repo.efctl("explain", "10000001", "bruno.keller")
    assert result.exit_code == 0, result.output
    assert "DP-10000001-1" not in result.stdout.split("time-boxed")[0]  # no longer counts
    assert (
        "time-boxed (until):\n"
        "  single on DP-10000001-1: expired on 2026-11-19; the plan removes what it grants\n"
    ) in result.stdout
    data = json.loads(repo.efctl("explain", "10000001", "eva.pruefer", "--format", "json").stdout)
    assert data["until"] == [
        {"entry": "user", "name": "eva.pruefer", "on": "2026-11-19", "expired": True},
        {"entry": "api_key", "name": "audit-export", "on": "2026-11-19", "expired": True},
    ]


def test_expire_deletes_the_expired_entries_keeping_the_rest_of_the_file(repo):
    seeded(repo)
    listed = repo.efctl("expire")
    assert (listed.exit_code, listed.stdout) == (
        2,
        "clients/10000001.yaml (10000001): 3 expired, to delete from\n"
        "  single entry of bruno.keller on DP-10000001-1: expired on 2026-11-19\n"
        "  user eva.pruefer: expired on 2026-11-19\n"
        "  API key audit-export of eva.pruefer: expired on 2026-11-19\n"
        "`efctl expire --write` deletes them\n",
    )
    plan_before = json.loads(repo.efctl("plan", "--format", "json").stdout)

    written = repo.efctl("expire", "--write")

    assert written.exit_code == 0
    assert (repo.root / "clients/10000001.yaml").read_text(encoding="utf-8") == AFTER_EXPIRE
    assert repo.efctl("validate").exit_code == 0
    assert repo.efctl("expire").stdout == "no entry has expired as of 2026-11-20\n"
    # the same removals, now because the entries are no longer declared
    plan_after = json.loads(repo.efctl("plan", "--format", "json").stdout)
    addresses = [
        [c["address"] for c in p["clients"][0]["changes"]] for p in (plan_before, plan_after)
    ]
    assert addresses[0] == addresses[1]


def test_the_expired_declaration_applied_then_plans_no_change(repo):
    seeded(repo)
    assert repo.efctl("expire", "--write").exit_code == 0
    assert repo.efctl("plan", "--out", "plan.json").exit_code == 0
    approved = repo.efctl(
        "approve", "plan.json", "--as", "bruno.keller", "--author", "anna.muster", "--unsigned"
    )
    assert approved.exit_code == 0, approved.output
    applied = repo.efctl("apply", "plan.json", "--approvals", "plan.approvals.json")
    assert applied.exit_code == 0, applied.output

    again = repo.efctl("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert again.stdout.endswith("No changes. The bank matches the declarations.\n")
